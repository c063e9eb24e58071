// The bundled post step's entry point (dist/post.js): everything happens in run().
// post.ts only exports run(), so that @github/local-action (`--post src/action/post.ts`)
// can import it and call run() itself.
import { run } from './post.js';

await run();

// The bundled post step's entry point (dist/post.js): everything happens in run().
import { run } from './post.js';

await run();

// The action's post step (post-if: cancelled()): uploads whatever results exist.
// Exported, not run on import, so that @github/local-action (`--post src/post.ts`)
// can import it and call run(); the bundle's entry, post-entry.ts, runs it.
export { runPost as run } from './main.js';

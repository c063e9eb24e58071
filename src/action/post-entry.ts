// The action's post step (post-if: cancelled()): uploads whatever results exist.
import { runPost } from './post.js';

await runPost();

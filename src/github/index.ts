/** The github stage's public face (the PR loop: baseline: auto, the PR comment, shards and their merge): what the pipeline and the entry layer use. */
export { githubContext, type GitHubContext } from './context.js';
export { measurementOf } from './measurement.js';
export { commentStep, gateAgainstBaseline, runInfoOf, type CommentPolicy } from './pr-loop.js';
export { shardPlan } from './shard.js';
export { runCommentMode } from './comment-mode.js';
export { runMerge, type MergeOutcome } from './merge-run.js';

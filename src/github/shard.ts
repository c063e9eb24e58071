/**
 * `shard: i/n`: a matrix of n jobs shares one run's work. The pairs
 * image × input are numbered in a fixed order (images by name, then inputs
 * in their loaded order, which is sorted per glob) and dealt round-robin, so
 * every job computes the same split without talking to the others and each
 * gets a fair mix of images and inputs.
 */
import type { Image } from '../build/index.js';
import { planTasks, type PlanOptions } from '../run/index.js';
import type { InputItem, PlannedTask } from '../run/index.js';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** The inputs each image runs in this shard (images with none are left out). */
export function shardPairs(images: Image[], inputs: InputItem[], shard: Shard): { image: Image; inputs: InputItem[] }[] {
  const ordered = [...images].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: { image: Image; inputs: InputItem[] }[] = [];
  let pair = 0;
  for (const image of ordered) {
    const mine = inputs.filter(() => pair++ % shard.count === shard.index - 1);
    if (mine.length > 0) out.push({ image, inputs: mine });
  }
  return out;
}

/** The tasks of this shard, indexed from 0 like an unsharded plan. */
export function shardPlan(images: Image[], inputs: InputItem[], shard: Shard, opts: PlanOptions): PlannedTask[] {
  const tasks = shardPairs(images, inputs, shard).flatMap((p) => planTasks([p.image], p.inputs, opts));
  return tasks.map((t, index) => ({ ...t, index }));
}

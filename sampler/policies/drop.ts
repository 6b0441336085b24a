// drop: dropped when every sub-policy samples (or inverted-samples), which
// overrides any other policy's vote to keep; not sampled as soon as one does
// not, as the Collector's.
import { allOf } from './and.js';
import { Vote, type Policy } from './policy.js';

export function drop(name: string, subs: readonly Policy[]): Policy {
  return allOf(name, subs, Vote.dropped);
}

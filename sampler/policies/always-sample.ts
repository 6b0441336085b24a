// always_sample: keeps every trace.
import { stateless, Vote, type Policy } from './policy.js';

export function alwaysSample(name: string): Policy {
  return stateless(name, () => Vote.sampled);
}

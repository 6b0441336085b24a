// OpenCensus Node and Resource <-> model Resource.
// STUB: signatures only; the translation is being written.
import type { Resource } from '../../model/common.js';
import type { OcNode, OcResource } from './types.js';

const todo = (): never => {
  throw new Error('not implemented yet');
};

export function resourceFromOc(_node: OcNode | undefined, _resource: OcResource | undefined): Resource {
  return todo();
}
export function resourceToOc(_resource: Resource): { node: OcNode | undefined; resource: OcResource | undefined } {
  return todo();
}

// Values shared by traces and metrics: OTLP's AnyValue, attributes, resource and
// instrumentation scope. int64 values are bigint: nanosecond timestamps and
// counters exceed 2^53 and must survive a round trip unchanged.

export type AnyValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'double'; readonly value: number }
  | { readonly kind: 'bytes'; readonly value: Uint8Array }
  | { readonly kind: 'array'; readonly value: readonly AnyValue[] }
  | { readonly kind: 'kvlist'; readonly value: readonly KeyValue[] }
  | { readonly kind: 'empty' };

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface Resource {
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

export interface InstrumentationScope {
  name: string;
  version: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

export const str = (value: string): AnyValue => ({ kind: 'string', value });
export const int = (value: bigint | number): AnyValue => ({ kind: 'int', value: BigInt(value) });
export const dbl = (value: number): AnyValue => ({ kind: 'double', value });
export const bool = (value: boolean): AnyValue => ({ kind: 'bool', value });

export function emptyResource(): Resource {
  return { attributes: [], droppedAttributesCount: 0 };
}

export function emptyScope(): InstrumentationScope {
  return { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
}

/** The first attribute with this key, or undefined. */
export function attr(attributes: readonly KeyValue[], key: string): AnyValue | undefined {
  for (const kv of attributes) if (kv.key === key) return kv.value;
  return undefined;
}

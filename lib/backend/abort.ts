// AbortSignal.any() keeps every derived signal reachable from a long-lived
// source (such as a service's stop signal) until that source aborts, which
// grows without bound in an exporter that makes millions of calls. This link
// is explicit instead: dispose() detaches it when the call is done.

export interface LinkedSignal {
  signal: AbortSignal;
  dispose(): void;
}

export function linkSignals(sources: readonly AbortSignal[]): LinkedSignal {
  const controller = new AbortController();
  const listeners: [AbortSignal, () => void][] = [];
  const dispose = () => {
    for (const [source, listener] of listeners) source.removeEventListener('abort', listener);
    listeners.length = 0;
  };
  for (const source of sources) {
    if (source.aborted) {
      controller.abort(source.reason);
      dispose();
      break;
    }
    const listener = () => {
      controller.abort(source.reason);
      dispose();
    };
    source.addEventListener('abort', listener, { once: true });
    listeners.push([source, listener]);
  }
  return { signal: controller.signal, dispose };
}

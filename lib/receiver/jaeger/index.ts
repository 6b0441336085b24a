// The Jaeger receiver (transport only; the codecs live in lib/protocol/jaeger).
export { JaegerReceiver, type JaegerReceiverOptions, type JaegerUdpOptions } from './receiver.js';
export { JAEGER_TRACES_PATH } from './thrift-http.js';
export { UDP_AGENT_DEFAULTS, UDP_DROPPED, UDP_PACKETS, UDP_QUEUED, type UdpDropReason } from './udp-agent.js';
export { SAMPLING_REQUESTS } from './sampling.js';
export { parseStrategies, strategyFor, StrategiesFile, type Strategies, type StrategyResponse } from './strategies.js';

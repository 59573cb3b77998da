export type {
  AppendAck,
  AppendOptions,
  Bus,
  BusMessage,
  ConsumeOptions,
  Consumer,
  DurableHandler,
  DurableMessage,
  MessageHandler,
  MessageHeaders,
  PublishOptions,
  ReceivedMessage,
  RequestOptions,
  Schema,
  SchemaOutput,
  SubscribeOptions,
  Subscription,
} from './bus.js';
export {
  BusClosedError,
  BusError,
  InvalidReplyError,
  NoRespondersError,
  PayloadTooLargeError,
  RemoteError,
  TimeoutError,
} from './errors.js';
export { MemoryBroker, type MemoryBrokerOptions } from './memory-broker.js';
export { MemoryBus, type MemoryBusOptions } from './memory-bus.js';
export { NatsBus, type NatsBusOptions } from './nats-bus.js';
export {
  DEFAULT_ACK_WAIT_MS,
  DEFAULT_DUPLICATE_WINDOW_MS,
  defaultStreams,
  type StreamDefinition,
  type StreamDefinitions,
  StreamName,
} from './streams.js';
export { patternCovers, subjectMatches } from './subject.js';
export {
  appendEvent,
  type EndpointHandler,
  publishEvent,
  type ReceivableEvent,
  type SchemaInput,
  type ServableEndpoint,
  type ServeOptions,
  type SubscribeEventOptions,
  serve,
  subscribeEvent,
} from './typed.js';
export {
  type ConsumeEventsOptions,
  consumeEvent,
  consumeEvents,
  type EventKinds,
  type ParsedEvent,
} from './typed-consumer.js';

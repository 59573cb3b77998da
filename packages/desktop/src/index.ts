export {
  type ClickOptions,
  type Desktop,
  ImageFormat,
  type KeyOptions,
  MouseButton,
  type Screenshot,
  type ScreenshotOptions,
} from './desktop.js';
export { DesktopAuthError, DesktopClosedError, DesktopError, RfbProtocolError } from './errors.js';
export { type ImageEncoder, type RawFrame, type SharpEncoderOptions, sharpEncoder } from './image-encoder.js';
export { keysymForChar, keysymForName, parseKeys } from './keysyms.js';
export * from './launcher/index.js';
export {
  type DesktopConnector,
  DesktopPool,
  type DesktopPoolOptions,
  type DesktopTarget,
  type PooledDesktop,
} from './pool.js';
export { PooledVncDesktop } from './pooled-desktop.js';
export { Framebuffer } from './rfb/framebuffer.js';
export type { HandshakeOptions, ServerInit } from './rfb/handshake.js';
export { ClientMessage, Encoding } from './rfb/messages.js';
export { type FramebufferUpdateInfo, RfbClient, type RfbClientOptions } from './rfb/rfb-client.js';
export { type SecurityInfo, SecurityType } from './rfb/security.js';
export type { VncTlsOptions } from './rfb/tls.js';
export {
  type RfbConnector,
  type RfbTransport,
  streamTransport,
  type TlsSessionInfo,
  tcpConnector,
} from './rfb/transport.js';
export { VeNCryptSubType } from './rfb/vencrypt.js';
export { RfbVersion } from './rfb/version.js';
export { type WsConnectorOptions, wsConnector } from './rfb/ws-transport.js';
export { fromScreen, type ScaleMapping, scaleToFit, toScreen } from './scaling.js';
export {
  type HostKeyStore,
  MemoryHostKeyStore,
  parseSshUrl,
  runSshCommand,
  type SshCommandOptions,
  type SshCommandResult,
  type SshEndpoint,
  sshFingerprint,
} from './ssh-runner.js';
export {
  parseTelnetUrl,
  runTelnetCommand,
  type TelnetCommandOptions,
  type TelnetCommandResult,
  type TelnetEndpoint,
} from './telnet-runner.js';
export {
  type CoordinateSpace,
  runVncAction,
  type VncActionOptions,
  type VncActionRequest,
  type VncActionResult,
  type VncScreenshotResult,
} from './vnc-actions.js';
export { VncDesktop, type VncDesktopOptions } from './vnc-desktop.js';
export { parseVncUrl, type VncEndpoint, type VncTransportKind } from './vnc-url.js';

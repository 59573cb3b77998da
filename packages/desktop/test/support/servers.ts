// The desktop fixtures live in the test kit; until its index exports them they are imported here once.
export {
  runXCommand,
  startX11vnc,
  startXClient,
  startXvnc,
  startXvncTls,
  type VncServerHandle,
  type XClientHandle,
  type XvncTlsHandle,
} from '@figaro/testkit';

// The desktop fixtures live in the test kit; until its index exports them they are imported here once.
export {
  runXCommand,
  startX11vnc,
  startXClient,
  startXvnc,
  type VncServerHandle,
  type XClientHandle,
} from '@figaro/testkit';

import { describeVncDesktop } from './support/desktop-contract.js';
import { startX11vnc } from './support/servers.js';

describeVncDesktop('x11vnc with a password', () => startX11vnc({ password: 'figaro-2' }));

import { describeVncDesktop } from './support/desktop-contract.js';
import { startXvnc } from './support/servers.js';

describeVncDesktop('Xvnc with VNC Authentication', () => startXvnc({ password: 'figaro-1' }));

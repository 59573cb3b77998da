import { describeVncDesktop } from './support/desktop-contract.js';
import { startXvnc } from './support/servers.js';

describeVncDesktop('Xvnc with security None', () => startXvnc({ size: { width: 1024, height: 768 } }));

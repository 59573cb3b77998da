import { type Bus, MemoryBus, NatsBus } from '@figaro/bus';
import type { Logger } from '@figaro/protocol';
import { openStore, type SecretBox, type Store } from '@figaro/store';
import type { UpConfig } from '../config/up-config.js';

/** Connects the bus the configuration names: NATS in a fleet, the in-process bus when embedded. */
export async function openBus(config: UpConfig['bus'], logger: Logger): Promise<Bus> {
  if (config.kind === 'memory') return new MemoryBus({ logger: logger.child({ component: 'bus' }) });
  return NatsBus.connect({
    servers: config.servers,
    name: 'figaro',
    ...(config.user !== undefined ? { user: config.user } : {}),
    ...(config.pass !== undefined ? { pass: config.pass } : {}),
    ...(config.token !== undefined ? { token: config.token } : {}),
    ...(config.creds !== undefined ? { credsFile: config.creds } : {}),
    logger: logger.child({ component: 'bus' }),
  });
}

/** Opens the store the configuration names and applies pending migrations. */
export async function openConfiguredStore(
  config: UpConfig['store'],
  logger: Logger,
  secrets?: SecretBox,
): Promise<Store> {
  return openStore({
    ...config,
    logger: logger.child({ component: 'store' }),
    ...(secrets ? { secrets } : {}),
  });
}

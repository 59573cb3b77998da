import { type ClientFlags, loadClientConfig, resolveBaseUrl, resolveToken } from '../config/client-config.js';
import { FigaroClient } from './http-client.js';

/**
 * The composition root of the client commands: finds Figaro (`--url`, `FIGARO_URL`, the URL recorded
 * in the data folder, or the default) and the API token (`FIGARO_API_TOKEN`, else
 * `<data-dir>/token`) and builds a client. Throws `ConfigError` when the environment or the flags are
 * wrong or no token can be found.
 */
export async function openClient(env: NodeJS.ProcessEnv, flags: ClientFlags = {}): Promise<FigaroClient> {
  const config = loadClientConfig(env, flags);
  const token = await resolveToken(config.token);
  return new FigaroClient({ baseUrl: await resolveBaseUrl(config), token });
}

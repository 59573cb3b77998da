import { loadClientConfig, resolveToken } from '../config/client-config.js';
import { FigaroClient } from './http-client.js';

/**
 * The composition root of the client commands: reads `FIGARO_URL` and the API token
 * (`FIGARO_API_TOKEN`, else `$FIGARO_DATA_DIR/token`) and builds a client. Throws `ConfigError` when
 * the environment is wrong or no token can be found.
 */
export async function openClient(env: NodeJS.ProcessEnv): Promise<FigaroClient> {
  const config = loadClientConfig(env);
  const token = await resolveToken(config.token);
  return new FigaroClient({ baseUrl: config.baseUrl, token });
}

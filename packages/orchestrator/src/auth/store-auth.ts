import type { Store, TokenRecord } from '@figaro/store';
import type { ApiHandlers, Principal } from '../api/handlers.js';
import type { AuthService, LoginResult } from '../http/auth.js';

/** How long a dashboard session lives without use, in milliseconds (sliding). */
const SESSION_TTL_MS = 7 * 24 * 3600_000;

/** `AuthService` over the store: users with scrypt hashes, sessions and tokens by SHA-256 only. */
export class StoreAuthService implements AuthService {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async login(username: string, password: string): Promise<LoginResult | null> {
    const user = await this.#store.auth.authenticate(username, password);
    if (!user) return null;
    const session = await this.#store.auth.createSession(user.id, SESSION_TTL_MS);
    return { sessionId: session.id, expiresAt: new Date(session.expires_at) };
  }

  async session(sessionId: string): Promise<Principal | null> {
    const session = await this.#store.auth.getSession(sessionId);
    if (!session) return null;
    await this.#store.auth.touchSession(sessionId, SESSION_TTL_MS);
    return { kind: 'user', userId: session.user_id, username: session.username };
  }

  async logout(sessionId: string): Promise<void> {
    await this.#store.auth.deleteSession(sessionId);
  }

  async token(bearer: string): Promise<Principal | null> {
    const token = await this.#store.auth.verifyToken(bearer);
    return token ? { kind: 'token', tokenId: token.id, scopes: token.scopes } : null;
  }
}

/** Handlers of `figaro.api.tokens.*` (the HTTP layer allows them to admins only). */
export function tokenHandlers(store: Store): ApiHandlers {
  const view = (record: TokenRecord) => ({
    token_id: record.id,
    name: record.name,
    scopes: record.scopes,
    created_at: record.created_at,
    last_used_at: record.last_used_at,
  });
  return {
    tokensCreate: async (req) => {
      const { token, record } = await store.auth.createToken(req.name, req.scopes);
      return { ...view(record), token };
    },
    tokensList: async () => ({
      tokens: (await store.auth.listTokens()).filter((t) => !t.revoked_at).map(view),
    }),
    tokensRevoke: async (req) => {
      await store.auth.revokeToken(req.token_id);
      return { status: 'ok' as const };
    },
  };
}

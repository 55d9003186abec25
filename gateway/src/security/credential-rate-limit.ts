import type { ApolloServerPlugin } from '@apollo/server';
import { getArgumentValues, getVariableValues, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { GatewayContext } from '../context.js';
import { rateLimitedError, type RateLimits } from './rate-limits.js';
import { rootFields } from './root-fields.js';

/**
 * Brute-force protection for `login` and `registerCustomer`, on HTTP and WebSocket alike (both run
 * through Apollo). Every such field in an operation spends a point, aliases included, before any
 * subgraph is asked: `{ a: login(…) b: login(…) … }` spends one per alias, and when the budget
 * cannot pay for them all none of them runs.
 *
 * - `login`: per client address, and per email from any address. The email budget counts failures:
 *   it is spent up front (so parallel guesses cannot all slip in before the first failure is
 *   counted) and a login that succeeds gives its point back, so the owner signing in is never
 *   what locks the account.
 * - `registerCustomer`: per client address.
 *
 * Operations the gateway runs itself (subscription deliveries) carry no client address and
 * spend nothing.
 */
export function credentialRateLimitPlugin(limits: RateLimits): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const client = contextValue.clientAddress;
      if (!client) return;
      /** Response key → email, for the logins whose email point is given back if they succeed. */
      const logins = new Map<string, string>();
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (operation?.operation !== 'mutation') return;
          const fields = credentialFields(schema, document, operation, request.variables ?? {});
          const registrations = fields.filter((f) => f.name === 'registerCustomer').length;
          const emails = fields.filter((f) => f.name === 'login').map((f) => ({ key: f.responseKey, email: f.email }));

          if (registrations > 0) {
            const wait = await limits.registerPerAddress.spend(client, registrations);
            if (wait) throw rateLimitedError('Too many sign-ups from this client', wait, { http: true });
          }
          if (emails.length === 0) return;
          const wait = await limits.loginPerAddress.spend(client, emails.length);
          if (wait) throw rateLimitedError('Too many sign-in attempts from this client', wait, { http: true });
          const perEmail = new Map<string, number>();
          for (const { email } of emails) if (email) perEmail.set(email, (perEmail.get(email) ?? 0) + 1);
          for (const [email, attempts] of perEmail) {
            const emailWait = await limits.loginPerEmail.spend(email, attempts);
            if (emailWait) throw rateLimitedError('Too many failed sign-ins for this account', emailWait, { http: true });
          }
          for (const { key, email } of emails) if (email) logins.set(key, email);
        },
        async willSendResponse({ response }) {
          if (logins.size === 0 || response.body.kind !== 'single') return;
          const data = response.body.singleResult.data as Record<string, unknown> | null | undefined;
          for (const [key, email] of logins) if (data?.[key]) await limits.loginPerEmail.refund(email);
        },
      };
    },
  };
}

interface CredentialField {
  name: 'login' | 'registerCustomer';
  responseKey: string;
  /** `login`'s email, normalised as the order service stores it; undefined when it does not coerce. */
  email?: string;
}

const CREDENTIAL_FIELDS = new Set(['login', 'registerCustomer']);

/** The operation's root `login` and `registerCustomer` fields, through fragments, with their emails. */
function credentialFields(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, rawVariables: Record<string, unknown>): CredentialField[] {
  const mutation = schema.getMutationType();
  if (!mutation) return [];
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables);
  const variables = coerced.errors ? undefined : coerced.coerced;
  return rootFields(document, operation.selectionSet)
    .filter((node) => CREDENTIAL_FIELDS.has(node.name.value))
    .map((node) => {
      const name = node.name.value as CredentialField['name'];
      const responseKey = node.alias?.value ?? name;
      if (name !== 'login' || !variables) return { name, responseKey };
      const def = mutation.getFields().login;
      try {
        const email = getArgumentValues(def, node, variables).email;
        return { name, responseKey, email: typeof email === 'string' ? email.trim().toLowerCase() : undefined };
      } catch {
        return { name, responseKey };
      }
    });
}

/**
 * The benchmark's peer row: what a team would build instead of tracer for the same `me` — GraphQL Yoga with
 * @envelop/generic-auth (`protect-all`), authenticating each request by the SHA-256 of its key looked up in the
 * same PostgreSQL (no cache). PEER_KEY is stored (hashed) at start in a table of its own. Prints `listening <url>`.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';
import { useGenericAuth } from '@envelop/generic-auth';
import { Pool } from 'pg';

interface PeerKey {
  organization_id: string;
  organization_name: string;
  name: string;
  permissions: string[];
  expires_at: Date | null;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

async function main() {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  await pool.query(`create table if not exists peer_keys (
    hash text primary key, organization_id text not null, organization_name text not null, name text not null,
    permissions text[] not null, expires_at timestamptz)`);
  await pool.query(`insert into peer_keys values ($1, 'org_peer', 'Peer Inc', 'bench', array['all'], null) on conflict do nothing`, [sha256(process.env.PEER_KEY!)]);
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: /* GraphQL */ `
        type Organization { id: ID! name: String! }
        type Key { name: String! permissions: [String!]! expiresAt: String }
        type Me { organization: Organization! key: Key! }
        type Query { me: Me! }
      `,
      resolvers: {
        Query: {
          me: (_: unknown, __: unknown, { currentUser: k }: { currentUser: PeerKey }) => ({
            organization: { id: k.organization_id, name: k.organization_name },
            key: { name: k.name, permissions: k.permissions, expiresAt: k.expires_at?.toISOString() ?? null },
          }),
        },
      },
    }),
    logging: false,
    graphiql: false,
    plugins: [
      useGenericAuth<PeerKey>({
        mode: 'protect-all',
        resolveUserFn: async (context) => {
          const { request } = context as unknown as { request: Request };
          const m = /^Bearer (\S+)$/i.exec(request.headers.get('authorization') ?? '');
          if (!m) return null;
          const { rows } = await pool.query<PeerKey>(
            'select organization_id, organization_name, name, permissions, expires_at from peer_keys where hash = $1 and (expires_at is null or expires_at > now())',
            [sha256(m[1])],
          );
          return rows[0] ?? null;
        },
      }),
    ],
  });
  const server = createServer(yoga);
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    process.stdout.write(`listening http://127.0.0.1:${port}/graphql\n`);
  });
}

void main();

/**
 * The benchmark's baseline: a bare Apollo Server 5 (startStandaloneServer: no auth, no database) answering the
 * same `me` selection from constants, and (as the list row's ceiling) the same `monitors(first: 50)` page.
 * The bench runs it with NODE_ENV=production, as tracer runs; CACHE_CONTROL=false turns off Apollo's cache-control
 * plugin (the ceiling row: tracer turns it off too). Prints `listening <url>` when ready.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';

const typeDefs = /* GraphQL */ `
  type Organization { id: ID! name: String! }
  type Key { name: String! permissions: [String!]! expiresAt: String }
  type Me { organization: Organization! key: Key! }
  type Monitor { id: ID! name: String! url: String! status: String! intervalSeconds: Int! lastRunAt: String }
  type PageInfo { endCursor: String hasNextPage: Boolean! }
  type MonitorConnection { nodes: [Monitor!]! pageInfo: PageInfo! }
  type Query { me: Me! monitors(first: Int = 20): MonitorConnection! }
`;
const ME = {
  organization: { id: 'org_abc123', name: 'Acme Inc' },
  key: { name: 'CI/CD Key', permissions: ['monitors:read', 'monitors:run'], expiresAt: null },
};

// The list row's ceiling: the same page shape answered from constants, no auth, no database.
const MONITORS = Array.from({ length: 100 }, (_, i) => ({
  id: `mon_${String(i).padStart(16, '0')}`,
  name: `m${i}`,
  url: `https://example.com/${i}`,
  status: 'PENDING',
  intervalSeconds: 300,
  lastRunAt: null,
}));

async function main() {
  const server = new ApolloServer({
    plugins: process.env.CACHE_CONTROL === 'false' ? [ApolloServerPluginCacheControlDisabled()] : [],
    typeDefs,
    resolvers: {
      Query: {
        me: () => ME,
        monitors: (_: unknown, { first }: { first: number }) => ({ nodes: MONITORS.slice(0, first), pageInfo: { endCursor: 'WyIyMDI2LTAxLTAxVDAwOjAwOjAwLjAwMFoiLCJtb25feCJd', hasNextPage: true } }),
      },
    },
  });
  const { url } = await startStandaloneServer(server, { listen: { port: Number(process.env.PORT ?? 0), host: '127.0.0.1' } });
  process.stdout.write(`listening ${url}\n`);
}

void main();

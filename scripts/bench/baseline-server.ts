/**
 * The benchmark's baseline: a bare Apollo Server 5 (startStandaloneServer: no auth, no database) answering the
 * same `me` selection from constants. Prints `listening <url>` when ready.
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const typeDefs = /* GraphQL */ `
  type Organization { id: ID! name: String! }
  type Key { name: String! permissions: [String!]! expiresAt: String }
  type Me { organization: Organization! key: Key! }
  type Query { me: Me! }
`;
const ME = {
  organization: { id: 'org_abc123', name: 'Acme Inc' },
  key: { name: 'CI/CD Key', permissions: ['monitors:read', 'monitors:run'], expiresAt: null },
};

async function main() {
  const server = new ApolloServer({ typeDefs, resolvers: { Query: { me: () => ME } } });
  const { url } = await startStandaloneServer(server, { listen: { port: Number(process.env.PORT ?? 0), host: '127.0.0.1' } });
  process.stdout.write(`listening ${url}\n`);
}

void main();

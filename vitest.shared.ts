import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** Tests run against package sources, so `npm test` needs no build first. */
export const sourceAliases = {
  '@sinyal/protocol/schema': here('./packages/protocol/src/schema/index.ts'),
  '@sinyal/protocol': here('./packages/protocol/src/index.ts'),
  '@sinyal/client/http': here('./packages/client/src/http/index.ts'),
  '@sinyal/client/tabs': here('./packages/client/src/tabs/index.ts'),
  '@sinyal/client/push': here('./packages/client/src/push.ts'),
  '@sinyal/client': here('./packages/client/src/index.ts'),
  '@sinyal/server': here('./packages/server/src/index.ts'),
  '@sinyal/react': here('./packages/react/src/index.ts'),
  '@sinyal/vue': here('./packages/vue/src/index.ts'),
};

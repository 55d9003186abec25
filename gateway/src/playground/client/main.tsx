import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import './page.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { exampleTabs } from './example-operations.js';

/** The gateway serves this page, so its GraphQL endpoint is on the page's own origin. */
const httpUrl = new URL('/graphql', window.location.href);
const wsUrl = new URL(httpUrl);
wsUrl.protocol = httpUrl.protocol === 'https:' ? 'wss:' : 'ws:';

/**
 * HTTP for queries and mutations; graphql-ws for subscriptions. With `subscriptionUrl` the toolkit
 * opens the socket with the tab's Headers as `connectionParams`, so the `Authorization` set in the
 * headers editor authenticates the socket exactly as the gateway expects it at `connection_init`.
 */
const fetcher = createGraphiQLFetcher({ url: httpUrl.href, subscriptionUrl: wsUrl.href });

const root = document.getElementById('playground');
if (!root) throw new Error('The playground page has no #playground element.');

createRoot(root).render(
  <StrictMode>
    <GraphiQL
      fetcher={fetcher}
      defaultTabs={exampleTabs}
      defaultHeaders="{}"
      isHeadersEditorEnabled
      defaultEditorToolsVisibility="headers"
      // Tokens stay out of the browser's storage unless the user ticks the setting.
      shouldPersistHeaders={false}
    >
      <GraphiQL.Logo>Commerce supergraph</GraphiQL.Logo>
    </GraphiQL>
  </StrictMode>,
);

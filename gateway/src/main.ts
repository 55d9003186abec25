import { stopOnSignals } from '../../lib/main.js';
import { startTracing } from '../../lib/observability/tracing.js';
import { loadTracingConfig } from '../../lib/observability/tracing-config.js';
import { createGatewayApp } from './app.js';
import { loadGatewayConfig } from './config.js';

// First, so the context manager is in place before anything runs in a span.
const tracing = startTracing(loadTracingConfig(process.env, 'gateway'));
const app = await createGatewayApp(loadGatewayConfig(process.env));
const port = await app.start();
app.logger.info({ url: `http://localhost:${port}/graphql` }, 'gateway listening');
app.warm();
// Tracing stops last: the spans of the drained requests are exported too.
stopOnSignals(() => app.stop().finally(() => tracing.shutdown()), app.logger);

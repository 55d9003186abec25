import { stopOnSignals } from '../../../lib/main.js';
import { startTracing } from '../../../lib/observability/tracing.js';
import { loadTracingConfig } from '../../../lib/observability/tracing-config.js';
import { createOrderApp } from './app.js';
import { loadOrderConfig } from './config.js';

// First, so the context manager is in place before anything runs in a span.
const tracing = startTracing(loadTracingConfig(process.env, 'order'));
const app = await createOrderApp(loadOrderConfig(process.env));
const port = await app.start();
app.logger.info({ url: `http://localhost:${port}/graphql` }, 'order subgraph listening');
// Tracing stops last: the spans of the drained requests are exported too.
stopOnSignals(() => app.stop().finally(() => tracing.shutdown()), app.logger);

import { stopOnSignals } from '../../../lib/main.js';
import { startTracing } from '../../../lib/observability/tracing.js';
import { loadTracingConfig } from '../../../lib/observability/tracing-config.js';
import { createNotificationApp } from './app.js';
import { loadNotificationConfig } from './config.js';

// First, so the context manager is in place before anything runs in a span.
const tracing = startTracing(loadTracingConfig(process.env, 'notification'));
const app = await createNotificationApp(loadNotificationConfig(process.env));
const port = await app.start();
app.logger.info({ url: `http://localhost:${port}/graphql` }, 'notification subgraph listening');
// Tracing stops last: the spans of the drained requests are exported too.
stopOnSignals(() => app.stop().finally(() => tracing.shutdown()), app.logger);

import { stopOnSignals } from '../../../lib/main.js';
import { createNotificationApp } from './app.js';
import { loadNotificationConfig } from './config.js';

const app = await createNotificationApp(loadNotificationConfig(process.env));
const port = await app.start();
app.logger.info({ url: `http://localhost:${port}/graphql` }, 'notification subgraph listening');
stopOnSignals(() => app.stop(), app.logger);

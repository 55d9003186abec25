import { stopOnSignals } from '../../../lib/main.js';
import { createOrderApp } from './app.js';
import { loadOrderConfig } from './config.js';

const app = await createOrderApp(loadOrderConfig(process.env));
const port = await app.start();
app.logger.info({ url: `http://localhost:${port}/graphql` }, 'order subgraph listening');
stopOnSignals(() => app.stop(), app.logger);

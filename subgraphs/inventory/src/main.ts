import { stopOnSignals } from '../../../lib/main.js';
import { createInventoryApp } from './app.js';
import { loadInventoryConfig } from './config.js';

const app = await createInventoryApp(loadInventoryConfig(process.env));
const port = await app.start();
app.logger.info({ url: `http://localhost:${port}/graphql` }, 'inventory subgraph listening');
stopOnSignals(() => app.stop(), app.logger);

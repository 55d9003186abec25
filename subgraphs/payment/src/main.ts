import { stopOnSignals } from '../../../lib/main.js';
import { createPaymentApp } from './app.js';
import { loadPaymentConfig } from './config.js';

const app = await createPaymentApp(loadPaymentConfig(process.env));
const port = await app.start();
app.logger.info({ url: `http://localhost:${port}/graphql` }, 'payment subgraph listening');
stopOnSignals(() => app.stop(), app.logger);

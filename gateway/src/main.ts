import { stopOnSignals } from '../../lib/main.js';
import { createGatewayApp } from './app.js';
import { loadGatewayConfig } from './config.js';

const app = await createGatewayApp(loadGatewayConfig(process.env));
const port = await app.start();
app.logger.info({ url: `http://localhost:${port}/graphql` }, 'gateway listening');
app.warm();
stopOnSignals(() => app.stop(), app.logger);

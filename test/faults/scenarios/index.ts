import type { Scenario } from '../scenario.js';
import { control } from './control.js';
import { crashBeforePublish } from './crash-before-publish.js';
import { natsRestart } from './nats-restart.js';
import { paymentHang } from './payment-hang.js';
import { poisonEvent } from './poison-event.js';
import { postgresCut } from './postgres-cut.js';
import { scaleOut } from './scale-out.js';
import { subscriberKills } from './subscriber-kills.js';

/** Every scenario, in the order the suite runs them; the control first, as the baseline to read the others against. */
export const SCENARIOS: Scenario[] = [control, natsRestart, postgresCut, crashBeforePublish, paymentHang, scaleOut, poisonEvent, subscriberKills];

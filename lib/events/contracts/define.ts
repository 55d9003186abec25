import type { z } from 'zod';

export type ServiceName = 'order' | 'inventory' | 'payment' | 'notification' | 'gateway';

/** One event type, defined once: its schema, who publishes it and who consumes it. */
export interface EventContract<S extends z.ZodType = z.ZodType> {
  type: string;
  description: string;
  producer: ServiceName;
  consumers: ServiceName[];
  schema: S;
}

export const defineEvent = <S extends z.ZodType>(contract: EventContract<S>): EventContract<S> => contract;

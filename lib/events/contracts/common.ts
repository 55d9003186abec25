import { z } from 'zod';

export const uuid = z.string().uuid();
export const cents = z.number().int().nonnegative();
export const orderStatus = z.enum(['PENDING', 'RESERVED', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'FAILED']);
export const orderLine = z.object({ productId: uuid, quantity: z.number().int().positive(), unitPriceCents: cents });

/** Why an order failed; the public API shows it as `failureReason`. */
export const failureReason = z.enum(['OUT_OF_STOCK', 'PAYMENT_DECLINED', 'INSUFFICIENT_FUNDS', 'PAYMENT_METHOD_INVALID', 'PAYMENT_ERROR', 'PROCESSING_ERROR']);
export type FailureReason = z.infer<typeof failureReason>;

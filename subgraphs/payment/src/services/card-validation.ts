import { AppError, ErrorCode } from '../../../../lib/errors.js';

/** A card as the client sends it in `AddPaymentMethodInput`. */
export interface CardInput {
  cardNumber: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'card';

/** A card that passed every check: the number is digits only, ready for the processor. */
export interface ValidCard {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
  brand: CardBrand;
}

const invalid = (message: string, field: keyof CardInput) =>
  new AppError(ErrorCode.PAYMENT_METHOD_INVALID, message, { field });

/**
 * Checks a card before it reaches the processor, so a typo costs no processor call and gets a
 * message that names the field. Throws PAYMENT_METHOD_INVALID.
 */
export function validateCard(input: CardInput, now: Date = new Date()): ValidCard {
  const number = input.cardNumber.replace(/[\s-]/g, '');
  if (!/^\d+$/.test(number)) {
    throw invalid('The card number may contain only digits, spaces and dashes.', 'cardNumber');
  }
  if (number.length < 12 || number.length > 19) {
    throw invalid('The card number must have between 12 and 19 digits.', 'cardNumber');
  }
  if (!passesLuhn(number)) throw invalid('The card number is not valid; please check it for typos.', 'cardNumber');
  if (!Number.isInteger(input.expMonth) || input.expMonth < 1 || input.expMonth > 12) {
    throw invalid('The expiry month must be between 1 and 12.', 'expMonth');
  }
  if (!Number.isInteger(input.expYear) || input.expYear < 1000 || input.expYear > 9999) {
    throw invalid('The expiry year must have four digits, e.g. 2030.', 'expYear');
  }
  if (isExpired(input.expMonth, input.expYear, now)) {
    const month = String(input.expMonth).padStart(2, '0');
    const field = input.expYear < now.getUTCFullYear() ? 'expYear' : 'expMonth';
    throw invalid(`The card expired at the end of ${month}/${input.expYear}.`, field);
  }
  if (!/^\d{3,4}$/.test(input.cvc)) throw invalid('The CVC must be 3 or 4 digits.', 'cvc');
  return { number, expMonth: input.expMonth, expYear: input.expYear, cvc: input.cvc, brand: cardBrand(number) };
}

/** The Luhn (mod 10) check digit test that every card number carries. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** A card is good through the last day of its expiry month (UTC). */
export function isExpired(expMonth: number, expYear: number, now: Date = new Date()): boolean {
  const year = now.getUTCFullYear();
  return expYear < year || (expYear === year && expMonth < now.getUTCMonth() + 1);
}

/** The brand, from the issuer prefix of a digits-only number. */
export function cardBrand(number: string): CardBrand {
  if (number.startsWith('4')) return 'visa';
  if (/^3[47]/.test(number)) return 'amex';
  const two = Number(number.slice(0, 2));
  const four = Number(number.slice(0, 4));
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return 'mastercard';
  return 'card';
}

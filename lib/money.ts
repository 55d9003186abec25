/** The currency of every amount in this shop; amounts are integer minor units (cents). */
export const CURRENCY = 'USD';

export interface Money {
  cents: number;
  currencyCode: string;
  amount: string;
}

export function money(cents: number, currencyCode = CURRENCY): Money {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return { cents, currencyCode, amount: `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}` };
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMoney, parseMoney, sumMoney, minorDigits, MoneyError, isKnownCurrency } from './money.ts';

test('parses decimal text and JSON numbers into exact minor units', () => {
  assert.equal(parseMoney('123.45', 'USD').minor, 12345n);
  assert.equal(parseMoney(0.1, 'USD').minor, 10n);
  assert.equal(parseMoney('1000', 'JPY').minor, 1000n);
  assert.equal(parseMoney('-2.5', 'EUR').minor, -250n);
  assert.equal(parseMoney('1.234', 'BHD').minor, 1234n);
});

test('sums without float drift', () => {
  const parts = Array.from({ length: 10 }, () => parseMoney('0.10', 'USD'));
  assert.equal(formatMoney(sumMoney('USD', parts)), '1.00');
});

test('refuses more decimals than the currency has, unknown currencies and non-numbers', () => {
  assert.throws(() => parseMoney('1.001', 'USD'), MoneyError);
  assert.throws(() => parseMoney('5', 'JPY.'), MoneyError);
  assert.throws(() => parseMoney('1e3', 'USD'), MoneyError);
  assert.throws(() => parseMoney('12', 'ZZQ'), /unknown currency code 'ZZQ'/);
  assert.equal(isKnownCurrency('usd'), false);
});

test('formats with the currency minor digits', () => {
  assert.equal(minorDigits('JPY'), 0);
  assert.equal(formatMoney(parseMoney('7', 'USD')), '7.00');
  assert.equal(formatMoney(parseMoney('-0.05', 'USD')), '-0.05');
  assert.equal(formatMoney(parseMoney('1500', 'JPY')), '1500');
});

import { pickField, pickString } from '../case-insensitive.ts';

/** One `Fault.Error[]` entry (IntuitRestServiceDef.xsd `Error`: Message, Detail, code, element). */
export interface QboFaultError {
  code: string;
  message: string;
  detail: string;
  element?: string;
}

export interface QboFault {
  /** `ValidationFault`, `AUTHENTICATION`, `SERVICE`, `SystemFault`… (FaultTypeEnum, and the newer JSON spellings). */
  type: string;
  errors: QboFaultError[];
}

/**
 * Reads QBO's Fault envelope, `{"Fault":{"Error":[{Message,Detail,code,element}],"type"},"time"}`
 * (https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/handling-common-errors).
 * The throttle answer has been seen as XML even when JSON was asked for
 * (intuit/QuickBooks-V3-PHP-SDK#54), so an XML `<Fault>` body is read too. Null when neither.
 * Batch items carry the same `Fault` object, which `faultFromObject` reads.
 */
export function parseFault(json: unknown, bodyText = ''): QboFault | null {
  const fault = pickField(json, 'Fault');
  if (fault !== undefined) return faultFromObject(fault);
  if (/<Fault[\s>]/.test(bodyText)) return faultFromXml(bodyText);
  return null;
}

export function faultFromObject(fault: unknown): QboFault | null {
  if (!fault || typeof fault !== 'object') return null;
  const list = pickField(fault, 'Error');
  const errors = (Array.isArray(list) ? list : list ? [list] : []).map((e) => {
    const element = pickString(e, 'element');
    return {
      code: pickString(e, 'code') ?? '',
      message: pickString(e, 'Message') ?? '',
      detail: pickString(e, 'Detail') ?? '',
      ...(element ? { element } : {}),
    };
  });
  return { type: pickString(fault, 'type') ?? '', errors };
}

function faultFromXml(text: string): QboFault {
  const type = /<Fault[^>]*\btype="([^"]*)"/.exec(text)?.[1] ?? '';
  const errors = [...text.matchAll(/<Error\b([^>]*)>([\s\S]*?)<\/Error>/g)].map((m) => {
    const element = /\belement="([^"]*)"/.exec(m[1] ?? '')?.[1];
    return {
      code: /\bcode="([^"]*)"/.exec(m[1] ?? '')?.[1] ?? '',
      message: xmlText(/<Message>([\s\S]*?)<\/Message>/.exec(m[2] ?? '')?.[1]),
      detail: xmlText(/<Detail>([\s\S]*?)<\/Detail>/.exec(m[2] ?? '')?.[1]),
      ...(element ? { element } : {}),
    };
  });
  return { type, errors };
}

function xmlText(s: string | undefined): string {
  return (s ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&').trim();
}

/** "6240 Duplicate Name Exists Error: The name supplied already exists. (DisplayName)" for each error. */
export function describeFault(fault: QboFault): string {
  if (fault.errors.length === 0) return fault.type || 'Fault with no errors';
  return fault.errors
    .map((e) => `${e.code} ${e.message}${e.detail && e.detail !== e.message ? `: ${e.detail}` : ''}${e.element ? ` (${e.element})` : ''}`.trim())
    .join('; ');
}

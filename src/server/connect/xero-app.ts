export { readXeroApp, saveXeroApp, urlsOf, type XeroAppSettings } from '../../app/systems/xero-app.ts';

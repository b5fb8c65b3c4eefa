/**
 * The Acumatica system, as the registry and a pair take it: the spec, the client (cookie sign-in
 * or OAuth 2.0), the engine port, the connection check and the push-notification receiver.
 */
export { acumaticaSpec, acumaticaOAuthSpec, acumaticaEndpoint, supportedEndpointVersions } from './spec.ts';
export { createAcumaticaClient, AcumaticaClient, type AcumaticaAuth, type AcumaticaClientOptions } from './client.ts';
export type { AcumaticaLoginCredentials, AcumaticaSession, AcumaticaSite } from './auth.ts';
export { AcumaticaOAuth, type AcumaticaOAuthCredentials } from './oauth.ts';
export { AcumaticaPort, type AcumaticaPaymentOptions } from './port.ts';
export { pingAcumatica, type AcumaticaPing } from './ping.ts';
export { classifyAcumaticaFailure } from './errors.ts';
export { readPushNotification, changedKeys, type AcumaticaPushNotification } from './webhooks.ts';

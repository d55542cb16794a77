/** Single place for the app version shown by /health and the About box. */
export const APP_VERSION = '0.1.0';
export const APP_NAME = 'Outlier Desk';

/** Fixed vocabulary of the sample log: clients, endpoints, agents, scanner probes. */

/** The original service's 20 clients: 192.168.1.1–19 and 10.0.0.5. */
export const NORMAL_IPS: readonly string[] = [
  ...Array.from({ length: 19 }, (_, i) => `192.168.1.${i + 1}`),
  '10.0.0.5',
];

export interface EndpointProfile {
  path: string;
  /** Methods with cumulative probabilities (last one 1). */
  methods: readonly (readonly [string, number])[];
  /** Typical 200 response size in bytes. */
  size: number;
}

/** The original's six endpoints, with plausible methods and sizes for a real log. */
export const ENDPOINTS: readonly EndpointProfile[] = [
  { path: '/home', methods: [['GET', 1]], size: 5200 },
  {
    path: '/login',
    methods: [
      ['POST', 0.6],
      ['GET', 1],
    ],
    size: 1800,
  },
  {
    path: '/api/data',
    methods: [
      ['GET', 0.8],
      ['POST', 1],
    ],
    size: 12_400,
  },
  {
    path: '/profile',
    methods: [
      ['GET', 0.8],
      ['PUT', 1],
    ],
    size: 3900,
  },
  {
    path: '/logout',
    methods: [
      ['POST', 0.5],
      ['GET', 1],
    ],
    size: 300,
  },
  { path: '/admin', methods: [['GET', 1]], size: 7600 },
];

/** The original's status mix: 200/201/404/401/500/302 with p .70/.10/.10/.05/.03/.02. */
export const STATUS_WEIGHTS: readonly (readonly [number, number])[] = [
  [200, 0.7],
  [201, 0.1],
  [404, 0.1],
  [401, 0.05],
  [500, 0.03],
  [302, 0.02],
];

export const BROWSER_AGENTS: readonly string[] = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
];

/** Non-browser clients a few of the normal hosts use now and then. */
export const TOOL_AGENTS: readonly string[] = ['curl/8.5.0', 'okhttp/4.12.0', 'Go-http-client/1.1'];

export const BURST_AGENT = 'python-requests/2.31.0';
export const BRUTE_FORCE_AGENT = 'Mozilla/5.0 (compatible; Hydra)';
export const SCAN_AGENT = 'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)';

export const SITE = 'https://shop.example.com';

/** Path stems and suffixes a 404 scan combines into distinct probes. */
export const SCAN_STEMS: readonly string[] = [
  '/wp-login',
  '/wp-admin/setup-config',
  '/admin',
  '/administrator/index',
  '/phpmyadmin/index',
  '/.env',
  '/.git/config',
  '/config',
  '/backup',
  '/db',
  '/xmlrpc',
  '/server-status',
  '/cgi-bin/test',
  '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin',
  '/actuator/health',
  '/console',
  '/solr/admin',
  '/manager/html',
  '/boaform/admin/formLogin',
  '/HNAP1',
  '/owa/auth/logon',
  '/remote/login',
  '/api/v1/pods',
  '/.aws/credentials',
  '/druid/index',
  '/jenkins/login',
  '/setup',
  '/install',
  '/old',
  '/test',
  '/shell',
  '/cmd',
];
export const SCAN_SUFFIXES: readonly string[] = [
  '',
  '.php',
  '.bak',
  '.old',
  '.zip',
  '.sql',
  '.asp',
  '.jsp',
  '.cgi',
  '.tar.gz',
  '~',
  '.swp',
];

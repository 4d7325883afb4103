/*
** gen.c: deterministic BLT generators for the benchmarks (bench/run.sh).
**
**   gen nec N OUT.blt [SEED]             a synthetic NEC-style election:
**                                        42 candidates, 9 seats, N papers
**   gen resample IN.blt N OUT.blt [SEED] N papers drawn from the ballot
**                                        lines of IN.blt in proportion to
**                                        their weights, one line per paper
**   gen time -o FILE CMD [ARG...]        runs CMD and writes "SECONDS KB"
**                                        (wall time, peak RSS) to FILE, as
**                                        GNU time -f '%e %M' does; exits
**                                        with CMD's status
**
** nec and resample print one line on standard output:
**     ballots N distinct D bytes B
** where D is the number of distinct rankings written (what hustings keeps
** after merging identical lines), counted through 64-bit fingerprints.
**
** Everything is integer arithmetic on a SplitMix64 stream, so a given
** (command, N, SEED) writes the same bytes on every machine.  The program
** stands alone: it does not use libstv.
*/
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_SEED 20240611u
#define MAX_N 1000000000LL

/* ---- SplitMix64 ------------------------------------------------------ */
static uint64_t rng;

static uint64_t next64(void) {
  uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* Uniform in [0, n), n >= 1, without modulo bias. */
static uint64_t below(uint64_t n) {
  uint64_t t = (0 - n) % n, r;
  do r = next64();
  while (r < t);
  return r % n;
}

/* True with probability permille / 1000. */
static int chance(unsigned permille) { return below(1000) < permille; }

static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* ---- buffered output ------------------------------------------------- */
static struct {
  FILE *f;
  char buf[1 << 20];
  size_t n;
  uint64_t bytes;
  int failed;
} out;

static void out_flush(void) {
  if (out.n && fwrite(out.buf, 1, out.n, out.f) != out.n) out.failed = 1;
  out.n = 0;
}

static void out_add(const char *s, size_t n) {
  out.bytes += n;
  while (n) {
    size_t room = sizeof(out.buf) - out.n, k = n < room ? n : room;
    memcpy(out.buf + out.n, s, k);
    out.n += k;
    s += k;
    n -= k;
    if (out.n == sizeof(out.buf)) out_flush();
  }
}

static void out_str(const char *s) { out_add(s, strlen(s)); }

static void out_u64(uint64_t v) {
  char tmp[24];
  size_t i = sizeof(tmp);
  do {
    tmp[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  out_add(tmp + i, sizeof(tmp) - i);
}

static int out_open(const char *path) {
  out.f = fopen(path, "wb");
  if (!out.f) {
    fprintf(stderr, "gen: cannot create %s: %s\n", path, strerror(errno));
    return -1;
  }
  out.n = 0;
  out.bytes = 0;
  out.failed = 0;
  return 0;
}

static int out_close(const char *path) {
  out_flush();
  if (fclose(out.f) != 0) out.failed = 1;
  if (out.failed) {
    fprintf(stderr, "gen: cannot write %s\n", path);
    return -1;
  }
  return 0;
}

/* ---- a set of 64-bit fingerprints, to count distinct rankings -------- */
static struct {
  uint64_t *slot;
  uint64_t cap, n;
} fps;

static int fp_add(uint64_t h) {
  uint64_t i;
  if (h == 0) h = 1; /* 0 marks an empty slot */
  if ((fps.n + 1) * 2 > fps.cap) {
    uint64_t nc = fps.cap ? fps.cap * 2 : 1u << 16, j;
    uint64_t *ns = calloc(nc, sizeof(*ns));
    if (!ns) return -1;
    for (j = 0; j < fps.cap; j++) {
      uint64_t v = fps.slot[j];
      if (!v) continue;
      i = v & (nc - 1);
      while (ns[i]) i = (i + 1) & (nc - 1);
      ns[i] = v;
    }
    free(fps.slot);
    fps.slot = ns;
    fps.cap = nc;
  }
  i = h & (fps.cap - 1);
  while (fps.slot[i]) {
    if (fps.slot[i] == h) return 0;
    i = (i + 1) & (fps.cap - 1);
  }
  fps.slot[i] = h;
  fps.n++;
  return 0;
}

static uint64_t fp_ints(const int *t, int n) {
  uint64_t h = 0x243F6A8885A308D3ULL ^ (uint64_t)n;
  int i;
  for (i = 0; i < n; i++) h = mix64(h ^ ((uint64_t)(unsigned)t[i] << 1));
  return h;
}

/* ---- argument parsing ------------------------------------------------ */
static int parse_count(const char *s, long long max, long long *v) {
  char *end;
  errno = 0;
  *v = strtoll(s, &end, 10);
  if (errno || end == s || *end || *v < 1 || *v > max) {
    fprintf(stderr, "gen: expected a number from 1 to %lld, found '%s'\n",
            max, s);
    return -1;
  }
  return 0;
}

static int parse_seed(const char *s, uint64_t *seed) {
  char *end;
  errno = 0;
  *seed = strtoull(s, &end, 10);
  if (errno || end == s || *end) {
    fprintf(stderr, "gen: expected a seed (a whole number), found '%s'\n", s);
    return -1;
  }
  return 0;
}

static void report(long long n) {
  printf("ballots %lld distinct %llu bytes %llu\n", n,
         (unsigned long long)fps.n, (unsigned long long)out.bytes);
}

/* ======================================================================
** nec: an NEC-style party election.  Five slates (factions) of 9, 9, 7, 6
** and 6 candidates and five independents; most voters follow one slate in
** its order, with noise (adjacent swaps, an outsider slipped in, an
** independent put first), many stop early, some carry on into an allied
** slate; the rest rank candidates by personal popularity.  Candidates are
** numbered in alphabetical order of surname, as on real ballot papers, so
** a slate's members are scattered through the numbers.
*/
#define NC 42
#define NSEATS 9
#define NSLATE 5
#define MAXLEN 15

static const int slate_size[NSLATE] = {9, 9, 7, 6, 6};
static const char *const slate_name[NSLATE] = {
    "Forward Together", "Common Ground", "Renewal Network", "Open Left",
    "Members First"};
/* After its own slate a follower may go on to the ally's. */
static const int slate_ally[NSLATE] = {2, 4, 0, 0, 1};
/* Voters per thousand following each slate; the rest vote by person. */
static const unsigned slate_share[NSLATE] = {330, 290, 130, 70, 50};
/* Ballot lengths 1..15 (index 0 unused), in relative weights: many papers
** give one or two preferences, a bump at nine (a full slate). */
static const unsigned len_weight[MAXLEN + 1] = {
    0, 200, 95, 85, 75, 65, 60, 50, 45, 95, 30, 25, 20, 15, 12, 30};

static const char *const given[] = {
    "Arlen", "Brisa", "Caddo",  "Delphine", "Eskel",  "Fennimore", "Galia",
    "Haskin", "Ilse", "Jorvik", "Kestrel",  "Liora",  "Marlo",     "Nevin",
    "Orla",   "Pell", "Quilla", "Rastin",   "Solveig", "Tamsin",   "Ulric",
    "Veska",  "Wren", "Yestin", "Zarah",    "Anwen",  "Bellamy",   "Corin"};
static const char *const pre[] = {"Ash",  "Brack", "Corr", "Dunn", "Elm",
                                  "Fal",  "Gorr",  "Holl", "Ibb",  "Jask",
                                  "Kerr", "Lind",  "Morr", "Nebb", "Orm",
                                  "Penn", "Quill", "Rudd", "Stav", "Tull",
                                  "Ulv",  "Varr",  "Wick", "Yarr"};
static const char *const post[] = {"abury", "acroft", "edale", "iford",
                                   "egate", "oholm",  "aley",  "imere",
                                   "oridge", "estone", "athwaite", "owick"};
#define NGIVEN (sizeof(given) / sizeof(given[0]))
#define NPRE (sizeof(pre) / sizeof(pre[0]))
#define NPOST (sizeof(post) / sizeof(post[0]))

typedef struct cand {
  char name[64];
  char surname[24];
  int slate; /* -1: independent */
  int pos;   /* place on the slate */
  unsigned pop;
} cand;

static cand cands[NC];
static int slate_member[NSLATE][9]; /* candidate numbers, slate order */
static int indep[NC - 37];
static unsigned len_total;

static int cmp_surname(const void *a, const void *b) {
  const cand *x = a, *y = b;
  return strcmp(x->surname, y->surname);
}

/* Names and slates come from a fixed stream, so they are the same for
** every seed; the seed changes only the voters. */
static void nec_setup(void) {
  int perm[NC], i, j, s, k, ni = 0;
  unsigned used[NPRE][NPOST];
  uint64_t keep = rng;
  rng = 0x5EED0F5AA7E5ULL;
  memset(used, 0, sizeof(used));
  for (i = 0; i < NC; i++) {
    size_t a, b;
    do {
      a = (size_t)below(NPRE);
      b = (size_t)below(NPOST);
    } while (used[a][b]);
    used[a][b] = 1;
    snprintf(cands[i].surname, sizeof(cands[i].surname), "%s%s", pre[a],
             post[b]);
  }
  qsort(cands, NC, sizeof(cands[0]), cmp_surname);
  for (i = 0; i < NC; i++) perm[i] = i;
  for (i = NC - 1; i > 0; i--) {
    j = (int)below((uint64_t)i + 1);
    k = perm[i];
    perm[i] = perm[j];
    perm[j] = k;
  }
  k = 0;
  for (s = 0; s < NSLATE; s++)
    for (j = 0; j < slate_size[s]; j++) {
      int c = perm[k++];
      slate_member[s][j] = c;
      cands[c].slate = s;
      cands[c].pos = j;
      /* personal popularity: slate heads and big slates first */
      cands[c].pop = slate_share[s] * 4 / (unsigned)(j + 2) + 10;
    }
  for (; k < NC; k++) {
    int c = perm[k];
    cands[c].slate = -1;
    cands[c].pos = ni;
    cands[c].pop = 160u / (unsigned)(ni + 1) + 15;
    indep[ni++] = c;
  }
  for (i = 0; i < NC; i++) {
    char up[24];
    size_t m;
    for (m = 0; cands[i].surname[m] && m + 1 < sizeof(up); m++) {
      char ch = cands[i].surname[m];
      up[m] = (char)(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
    }
    up[m] = '\0';
    snprintf(cands[i].name, sizeof(cands[i].name), "%s %s (%s)",
             given[below(NGIVEN)], up,
             cands[i].slate >= 0 ? slate_name[cands[i].slate]
                                 : "Independent");
  }
  len_total = 0;
  for (i = 1; i <= MAXLEN; i++) len_total += len_weight[i];
  rng = keep;
}

static int draw_len(void) {
  uint64_t r = below(len_total);
  int l;
  for (l = 1; l < MAXLEN; l++) {
    if (r < len_weight[l]) return l;
    r -= len_weight[l];
  }
  return MAXLEN;
}

/* A candidate not yet on the paper, by personal popularity; -1 if none. */
static int draw_popular(const unsigned char *on) {
  uint64_t tot = 0, r;
  int c;
  for (c = 0; c < NC; c++)
    if (!on[c]) tot += cands[c].pop;
  if (!tot) return -1;
  r = below(tot);
  for (c = 0; c < NC; c++) {
    if (on[c]) continue;
    if (r < cands[c].pop) return c;
    r -= cands[c].pop;
  }
  return -1;
}

static int nec_ballot(int *t) {
  unsigned char on[NC];
  int n = 0, L, j, s = -1;
  unsigned r = (unsigned)below(1000), acc = 0;
  memset(on, 0, sizeof(on));
  for (j = 0; j < NSLATE; j++) {
    acc += slate_share[j];
    if (r < acc) {
      s = j;
      break;
    }
  }
  L = draw_len();
#define PUT(c)                                                                \
  do {                                                                        \
    int c_ = (c);                                                             \
    if (c_ >= 0 && !on[c_] && n < L) {                                        \
      on[c_] = 1;                                                             \
      t[n++] = c_;                                                            \
    }                                                                         \
  } while (0)
  if (s < 0) { /* votes by person */
    while (n < L) PUT(draw_popular(on));
    return n;
  }
  {
    int order[9], sz = slate_size[s], a = slate_ally[s];
    if (chance(300)) L = sz > L ? sz : L; /* votes the whole slate */
    memcpy(order, slate_member[s], sizeof(int) * (size_t)sz);
    if (chance(250)) /* reorders it a little */
      for (j = 0; j + 1 < sz; j++)
        if (chance(200)) {
          int x = order[j];
          order[j] = order[j + 1];
          order[j + 1] = x;
        }
    if (chance(50)) PUT(indep[below(NC - 37)]); /* a favourite first */
    for (j = 0; j < sz && n < L; j++) {
      if (chance(40)) PUT(draw_popular(on)); /* an outsider slipped in */
      PUT(order[j]);
    }
    if (n < L && chance(600))
      for (j = 0; j < slate_size[a] && n < L; j++) PUT(slate_member[a][j]);
    while (n < L) PUT(draw_popular(on));
  }
#undef PUT
  return n;
}

static int cmd_nec(int argc, char **argv) {
  long long n, i;
  uint64_t seed = DEFAULT_SEED;
  int t[MAXLEN + 2], k, len, c;
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: gen nec N OUT.blt [SEED]\n");
    return 2;
  }
  if (parse_count(argv[0], MAX_N, &n)) return 2;
  if (argc == 3 && parse_seed(argv[2], &seed)) return 2;
  rng = seed;
  nec_setup();
  if (out_open(argv[1])) return 1;
  out_str("# hustings bench: synthetic NEC-style election, invented names; "
          "gen nec ");
  out_u64((uint64_t)n);
  out_str(" seed ");
  out_u64(seed);
  out_str("\n");
  out_u64(NC);
  out_str(" ");
  out_u64(NSEATS);
  out_str("\n");
  for (i = 0; i < n; i++) {
    len = nec_ballot(t);
    if (fp_add(fp_ints(t, len))) {
      fprintf(stderr, "gen: out of memory\n");
      return 1;
    }
    out_add("1", 1);
    for (k = 0; k < len; k++) {
      out_add(" ", 1);
      out_u64((uint64_t)t[k] + 1);
    }
    out_add(" 0\n", 3);
  }
  out_str("0\n");
  for (c = 0; c < NC; c++) {
    out_str("\"");
    out_str(cands[c].name);
    out_str("\"\n");
  }
  out_str("\"Synthetic National Executive Committee election, 9 seats (");
  out_u64((uint64_t)n);
  out_str(" ballots, seed ");
  out_u64(seed);
  out_str(")\"\n");
  if (out_close(argv[1])) return 1;
  report(n);
  return 0;
}

/* ======================================================================
** resample: the ballot lines of a real file, drawn with replacement in
** proportion to their weights.  The header, the withdrawn line and
** everything after the closing 0 (names, title) are copied as they are.
*/
typedef struct line {
  const char *s;
  size_t n;
} line;

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t cap = 0, n = 0;
  if (!f) {
    fprintf(stderr, "gen: cannot open %s: %s\n", path, strerror(errno));
    return NULL;
  }
  for (;;) {
    size_t got;
    if (n == cap) {
      char *nb;
      cap = cap ? cap * 2 : 1 << 16;
      nb = realloc(buf, cap + 1);
      if (!nb) {
        free(buf);
        fclose(f);
        fprintf(stderr, "gen: out of memory\n");
        return NULL;
      }
      buf = nb;
    }
    got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  if (ferror(f)) {
    fprintf(stderr, "gen: cannot read %s\n", path);
    free(buf);
    fclose(f);
    return NULL;
  }
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;
}

static int is_sp(char ch) { return ch == ' ' || ch == '\t' || ch == '\r'; }

/* Trims blanks (and a CR) at both ends. */
static line trim(const char *s, size_t n) {
  line l;
  while (n && is_sp(*s)) s++, n--;
  while (n && is_sp(s[n - 1])) n--;
  l.s = s;
  l.n = n;
  return l;
}

/* Fingerprint of the preferences, blind to the spacing between tokens. */
static uint64_t fp_text(const char *s, size_t n) {
  uint64_t h = 0x13198A2E03707344ULL;
  size_t i = 0;
  while (i < n) {
    uint64_t tok = 0;
    if (is_sp(s[i])) {
      i++;
      continue;
    }
    while (i < n && !is_sp(s[i])) tok = tok * 131 + (unsigned char)s[i++];
    h = mix64(h ^ tok);
  }
  return h;
}

static int cmd_resample(int argc, char **argv) {
  long long n, i;
  uint64_t seed = DEFAULT_SEED, total = 0;
  char *data;
  size_t len, pos = 0, nb = 0, cap = 0;
  line header = {NULL, 0}, withdrawn = {NULL, 0}, *pref = NULL;
  uint64_t *cum = NULL, *fp = NULL;
  const char *tail = NULL;
  int state = 0, rc = 1;
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: gen resample IN.blt N OUT.blt [SEED]\n");
    return 2;
  }
  if (parse_count(argv[1], MAX_N, &n)) return 2;
  if (argc == 4 && parse_seed(argv[3], &seed)) return 2;
  rng = seed;
  data = slurp(argv[0], &len);
  if (!data) return 1;
  while (pos < len && !tail) {
    const char *nl = memchr(data + pos, '\n', len - pos);
    size_t ln = nl ? (size_t)(nl - (data + pos)) : len - pos;
    line l = trim(data + pos, ln);
    size_t next = pos + ln + (nl ? 1 : 0);
    if (l.n == 0 || l.s[0] == '#') {
      pos = next;
      continue;
    }
    if (state == 0) {
      header = l;
      state = 1;
    } else if (state == 1 && l.s[0] == '-' && l.n > 1 && l.s[1] >= '0' &&
               l.s[1] <= '9') {
      withdrawn = l;
      state = 2;
    } else if (l.n == 1 && l.s[0] == '0') {
      tail = data + next;
    } else {
      const char *p = l.s, *e = l.s + l.n;
      char *end;
      unsigned long long w;
      state = 2;
      if (*p == '(') { /* a ballot id */
        const char *close = memchr(p, ')', (size_t)(e - p));
        if (!close) goto bad;
        p = close + 1;
        while (p < e && is_sp(*p)) p++;
      }
      if (p >= e || *p < '0' || *p > '9') goto bad;
      errno = 0;
      w = strtoull(p, &end, 10);
      if (errno || end >= e || !is_sp(*end)) goto bad;
      if (nb == cap) {
        size_t nc = cap ? cap * 2 : 1024;
        line *np = realloc(pref, nc * sizeof(*np));
        uint64_t *ncum = realloc(cum, nc * sizeof(*ncum));
        uint64_t *nfp;
        if (np) pref = np;
        if (ncum) cum = ncum;
        nfp = realloc(fp, nc * sizeof(*nfp));
        if (nfp) fp = nfp;
        if (!np || !ncum || !nfp) {
          fprintf(stderr, "gen: out of memory\n");
          goto done;
        }
        cap = nc;
      }
      pref[nb] = trim(end, (size_t)(e - end));
      fp[nb] = fp_text(pref[nb].s, pref[nb].n);
      if (w > UINT64_MAX / 2 - total) goto bad;
      total += w;
      cum[nb] = total;
      nb++;
    }
    pos = next;
    continue;
  bad:
    fprintf(stderr, "gen: %s: not a BLT ballot line: %.*s\n", argv[0],
            (int)(l.n > 60 ? 60 : l.n), l.s);
    goto done;
  }
  if (!tail || !header.s || total == 0) {
    fprintf(stderr, "gen: %s: expected a header, ballots of positive weight "
            "and the 0 ending them\n", argv[0]);
    goto done;
  }
  if (out_open(argv[2])) goto done;
  out_str("# hustings bench: gen resample ");
  out_u64((uint64_t)n);
  out_str(" seed ");
  out_u64(seed);
  out_str(" from ");
  {
    const char *base = strrchr(argv[0], '/');
    out_str(base ? base + 1 : argv[0]);
  }
  out_str("\n");
  out_add(header.s, header.n);
  out_str("\n");
  if (withdrawn.s) {
    out_add(withdrawn.s, withdrawn.n);
    out_str("\n");
  }
  for (i = 0; i < n; i++) {
    uint64_t r = below(total);
    size_t lo = 0, hi = nb - 1; /* first k with cum[k] > r */
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (cum[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    if (fp_add(fp[lo])) {
      fprintf(stderr, "gen: out of memory\n");
      fclose(out.f);
      goto done;
    }
    out_add("1 ", 2);
    out_add(pref[lo].s, pref[lo].n);
    out_add("\n", 1);
  }
  out_str("0\n");
  out_add(tail, (size_t)(data + len - tail));
  if (len && data[len - 1] != '\n') out_str("\n");
  if (out_close(argv[2])) goto done;
  report(n);
  rc = 0;
done:
  free(pref);
  free(cum);
  free(fp);
  free(data);
  return rc;
}

/* ======================================================================
** time: a stand-in for GNU time -f '%e %M' where /usr/bin/time is absent.
*/
static int cmd_time(int argc, char **argv) {
  struct timespec t0, t1;
  struct rusage ru;
  pid_t pid;
  int status;
  long long ms;
  FILE *f;
  if (argc < 3 || strcmp(argv[0], "-o") != 0) {
    fprintf(stderr, "usage: gen time -o FILE CMD [ARG...]\n");
    return 2;
  }
  f = fopen(argv[1], "w");
  if (!f) {
    fprintf(stderr, "gen: cannot create %s: %s\n", argv[1], strerror(errno));
    return 2;
  }
  fflush(NULL);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid = fork();
  if (pid < 0) {
    fprintf(stderr, "gen: fork: %s\n", strerror(errno));
    fclose(f);
    return 2;
  }
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    fprintf(stderr, "gen: cannot run %s: %s\n", argv[2], strerror(errno));
    _exit(127);
  }
  while (wait4(pid, &status, 0, &ru) < 0)
    if (errno != EINTR) {
      fprintf(stderr, "gen: wait: %s\n", strerror(errno));
      fclose(f);
      return 2;
    }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  ms = (long long)(t1.tv_sec - t0.tv_sec) * 1000 +
       (t1.tv_nsec - t0.tv_nsec) / 1000000;
  fprintf(f, "%lld.%03lld %ld\n", ms / 1000, ms % 1000, (long)ru.ru_maxrss);
  fclose(f);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "nec") == 0)
    return cmd_nec(argc - 2, argv + 2);
  if (argc >= 2 && strcmp(argv[1], "resample") == 0)
    return cmd_resample(argc - 2, argv + 2);
  if (argc >= 2 && strcmp(argv[1], "time") == 0)
    return cmd_time(argc - 2, argv + 2);
  fprintf(stderr,
          "usage: gen nec N OUT.blt [SEED]\n"
          "       gen resample IN.blt N OUT.blt [SEED]\n"
          "       gen time -o FILE CMD [ARG...]\n");
  return 2;
}

/* M4, part 1: networks of spiking neurons in populations, wired by projections, on the fixed grid.

   Populations (-spiking_populations E:10000,I:2500) hold neurons of one type and parameters, given
   per population (-spiking_E_type iaf_psc_delta -spiking_E_tau_m 20 ...), with Poisson input
   (independent per neuron, as NEST's poisson_generator) and DC input; a spike_generator population
   fires at given times.  Projections (-spiking_projections E-E,E-I) connect a source population to
   a target one by a rule (all_to_all, pairwise_bernoulli, fixed_indegree), a weight and a delay
   (-spiking_E-I_rule fixed_indegree -spiking_E-I_indegree 1000 -spiking_E-I_weight 0.1 ...).
   Without -spiking_populations the network is Brunel's balanced network as NEST's
   pynest/examples/brunel_delta_nest.py builds it.

   Inside: a rank owns a block of neurons (the network's rows) and the synapses onto them, wired
   from streams keyed by (projection, target) so that the network is the same on any number of
   ranks, and stored by presynaptic neuron (target, weight, delay).  Neurons advance a window of D
   steps (the smallest delay) with no communication; at its end each spike travels only to the
   ranks that hold synapses of its neuron (the ghost plan: a neighbourhood collective over the
   ranks that exchange spikes), and each rank delivers what it received, sorted by (step, id), into
   per-neuron ring buffers by delay, so every sum is made in the same order on any number of ranks.
   Poisson counts are a function of (seed, neuron, step).
   Fields: V_m, I_syn, refractory, spike_count (output and checkpoint), ring and isi (checkpoint).
   Series: rate per population; V_m of -spiking_record_V neurons.  Events: /spikes/<population>/
   {timestamps, node_ids} (SONATA), sorted by time. */
#include "../interface/modelimpl.h"
#include "kernels.h"
#include "astro.h"
#include <tph5.h>
#include <tprandom.h>
#include <tputil.h>

#define SPIKING_MAX_POPS 16
#define SPIKING_MAX_PROJ 64
#define SPIKING_MAX_REC 64

typedef enum {
  NT_IAF_PSC_DELTA,
  NT_IAF_PSC_EXP,
  NT_SPIKE_GENERATOR,
  NT_IAF_PSC_ALPHA,
  NT_AEIF_COND_ALPHA,
  NT_IZHIKEVICH,
  NT_COBA_LIF,
  NT_ASTROCYTE_LR_1994,
  NT_ASTROCYTE_GCHI
} NeuronType;
static const char *const NeuronTypes[] = {
    "iaf_psc_delta", "iaf_psc_exp", "spike_generator",   "iaf_psc_alpha",  "aeif_cond_alpha",
    "izhikevich",    "coba_lif",    "astrocyte_lr_1994", "astrocyte_gchi", "NeuronType",
    "NT_",           NULL};
#define IS_ASTRO(P) ((P)->type == NT_ASTROCYTE_LR_1994 || (P)->type == NT_ASTROCYTE_GCHI)
#define IS_GCHI(P) ((P)->type == NT_ASTROCYTE_GCHI)
typedef enum {
  SYN_STATIC,
  SYN_TSODYKS_MARKRAM,
  SYN_GAP_JUNCTION,
  SYN_STDP_MULTIPLICATIVE,
  SYN_STDP_ADDITIVE,
  SYN_STDP_GATED
} SynapseType;
static const char *const SynapseTypes[] = {"static",
                                           "tsodyks_markram",
                                           "gap_junction",
                                           "stdp_multiplicative",
                                           "stdp_additive",
                                           "stdp_gated",
                                           "SynapseType",
                                           "SYN_",
                                           NULL};
#define IS_STDP(J) ((J)->syn >= SYN_STDP_MULTIPLICATIVE)
#define IS_GATED(J) ((J)->syn == SYN_STDP_GATED)
#define IS_GAP(J) ((J)->syn == SYN_GAP_JUNCTION)
typedef enum {
  RULE_ALL_TO_ALL,
  RULE_PAIRWISE_BERNOULLI,
  RULE_FIXED_INDEGREE,
  RULE_FILE,
  RULE_THIRD,
  RULE_DISTANCE
} Rule;
static const char *const Rules[] = {
    "all_to_all", "pairwise_bernoulli", "fixed_indegree", "file", "third", "distance", "Rule", "RULE_", NULL};
/* projections whose synapses are listed edges with their own weights and delays: read from a file, or
   the third-factor pairs of tripartite projections */
#define HAS_EDGES(J) ((J)->rule == RULE_FILE || (J)->rule == RULE_THIRD)

typedef enum { KERNEL_CONSTANT, KERNEL_GAUSSIAN, KERNEL_EXPONENTIAL } Kernel;
static const char *const Kernels[] = {"constant", "gaussian", "exponential", "Kernel", "KERNEL_", NULL};

/* An edge of a -rule file projection on its target's rank, until the wiring has placed it. */
typedef struct {
  PetscInt64 tgt, src, idx; /* local row of the target, natural id of the source, place in the file */
  double w;
  PetscInt64 ds; /* delay in steps */
} FileEdge;

typedef struct {
  char name[32];
  PetscInt size, first; /* natural ids first .. first + size - 1 */
  NeuronType type;
  PetscReal C_m, tau_m, t_ref, E_L, V_th, V_reset, I_e, tau_syn_ex, tau_syn_in, V_m;
  PetscReal g_L, E_ex, E_in, Delta_T, tau_w, a, b, c, dd, V_peak, V_min, U_m; /* AdEx, Izhikevich, COBA */
  PetscInt substeps;                                                          /* aeif_cond_alpha */
  PetscReal V_uniform[2];                                                     /* initial V_m uniform in [lo, hi) */
  PetscInt ntimed; /* I_e x timed[k] in the k-th block of timed_dt (Brian2's TimedArray; 0: constant) */
  PetscReal timed[64], timed_dt;
  PetscInt64 timed_steps; /* steps per block */
  PetscBool V_random;
  PetscReal poisson_rate, poisson_weight; /* Hz, and mV (delta) or pA (exp) */
  PetscInt ntimes;
  PetscReal times[256]; /* spike_generator: ms */
  PetscInt64 steps[256];
  char spike_file[PETSC_MAX_PATH_LEN], spike_group[32]; /* spike_generator: SONATA spikes to replay */
  /* positions (rule distance), um: on a grid (member k at x = (k / rows) spacing, y = (k % rows) spacing, columns
     filled in turn), uniform in a box (each coordinate from a stream keyed by the neuron), or from a file */
  PetscInt grid_rows;
  PetscReal grid_spacing;
  PetscInt dim;        /* 2 or 3 (0: no positions) */
  PetscBool uniform;   /* uniform in [0, extent) */
  PetscReal extent[3]; /* the box (the grid's: columns x rows x spacing) */
  PetscBool periodic;  /* distances wrap over the box (NEST's edge_wrap) */
  char pos_file[PETSC_MAX_PATH_LEN], pos_dataset[PETSC_MAX_PATH_LEN]; /* file positions: size x dim */
  double *pos;                                                        /* size x dim, on every rank (not for a grid) */
  uint64_t poshash;               /* a hash of a file's (a restart must read the same) */
  PetscInt64 nfile, fcur, *fstep; /* their local entries: step, local row */
  PetscInt *frow;
  SpikingPropagator k;
  AdexParams adex;
  IzhikevichParams izh;
  CobaParams coba;
  AstroLrParams lr;                /* astrocyte_lr_1994 */
  PetscReal IP3, Ca_astro, h_IP3R; /* its initial state (G-ChI: I, C, h) */
  AstroGchiParams gchi, gk;        /* astrocyte_gchi: as given (Brian2's units: s, uM, mM), in ms and uM */
  PetscReal Gamma_A, x_A, G_A;     /* astrocyte_gchi: the rest of its initial state */
  PetscReal Gamma_S;               /* astrocyte_gchi: the initial Gamma_S of the synapses it covers */
  PetscBool glu_mean;              /* astrocyte_gchi: glutamate averaged over its synapses (Brian2), else summed */
  PetscReal Ca_threshold;          /* > 0: a calcium event (recorded as its spike) when Ca rises past it */
  /* astrocytes with processes: consecutive blocks of cell_size members are the compartments of one cell, member k
     of a block linked to its parent (k - 1) / branching (1: a chain; 2: a binary tree rooted at the first) */
  PetscInt cell_size, branching;
  char morph_file[PETSC_MAX_PATH_LEN]; /* or each member a process of a network file, linked as its /morphology */
  PetscInt64 *mptr, mr0;               /* (set-up only) the rows read: members mr0 .., offsets into midx */
  PetscInt *midx;
  uint64_t mhash;           /* a hash of the file's links (a restart must read the same) */
  PetscBool sparse;         /* astrocyte_lr_1994 rows fed by synapses only: each step reads the rows that received input
                               (Spiking's runs), not every row */
  AstroDiffusionParams dif; /* diffusion along the links */
  PetscReal IP3_uniform[2], Ca_uniform[2]; /* initial IP3 and Ca uniform in [lo, hi) per member */
  PetscBool IP3_random, Ca_random;
  PetscInt nsic;                      /* its projections as source (slow inward currents) */
  PetscInt ntm, tm[SPIKING_MAX_POPS]; /* its Tsodyks-Markram projections (at most one per target) */
  PetscInt nsp, sp[SPIKING_MAX_POPS]; /* its STDP projections as source */
  PetscInt nspin;                     /* STDP projections onto it */
  PetscInt recspk;                    /* its first members whose spikes are recorded (default all; the targets of
                                         STDP keep every spike, which their synapses read) */
  double lambda;                      /* Poisson mean per step */
  double *cdf;                        /* its cumulative probabilities, 0 .. kmax */
  int kmax;
  PetscInt lo, hi; /* its local rows */
} Population;

/* A population's members sorted into cells of a grid over their box (ascending ids within each): every rank the
   same, so what a search finds comes in one order anywhere */
typedef struct {
  PetscInt n[3], *start, *mem;
  PetscReal lo[3], size[3];
} Cells;

typedef struct {
  char name[72];
  PetscInt src, tgt;
  Rule rule;
  PetscInt indegree;
  PetscReal p, weight, delay;
  PetscReal radius; /* rule distance: sources closer than this (um) to the target (the mask), each with probability */
  PetscBool masked; /* fixed_indegree among the sources within the radius, drawn in proportion to the kernel */
  PetscInt kernel;  /* p times the kernel of their distance d: KERNEL_CONSTANT, _GAUSSIAN e^{-d^2/(2 sigma^2)}, */
  PetscReal sigma;  /* _EXPONENTIAL e^{-d/sigma} (NEST's spatial_distributions gaussian std, exponential beta) */
  Cells cells;      /* the sources' cells for the distance rule and the mask (while wiring) */
  PetscBool autapses, multapses;
  PetscInt dsteps;
  SynapseType syn;
  PetscReal U_0, tau_fac, tau_rec;           /* Tsodyks-Markram */
  PetscInt tmk;                              /* its slot among its source's Tsodyks-Markram projections, or -1 */
  StdpParams stdp;                           /* STDP */
  PetscInt spk, spin;                        /* its slots among its source's STDP projections and its target's, or -1 */
  PetscInt gate;                             /* stdp_gated: the population whose spikes write the eligibility into w */
  PetscReal tau_c, eta;                      /* stdp_gated: the eligibility's time constant (ms), the gate's gain */
  char file[PETSC_MAX_PATH_LEN], fgroup[72]; /* rule file: SONATA edges /edges/<fgroup>/... */
  uint64_t fhash;                            /* rule file: of its edges (a restart must read the same) */
  PetscInt64 nfe;                            /* its local edges (by target, then file order) */
  FileEdge *fe;
  PetscInt dmin, dmax; /* the shortest and longest delays (steps) of its synapses */
  /* tripartite (NEST's third_factor_bernoulli_with_pool): each of its synapses S -> T gets, with
     probability p_third, an astrocyte of population third drawn from the target's pool, and the pairs
     S -> third, third -> T are made in the projections of those names (-rule third) */
  PetscInt third;
  PetscReal p_third;
  PetscBool pool_block;
  PetscBool pool_synapse; /* pool_type synapse: each synapse its own astrocyte (compartment), in (target, draw) order */
  PetscBool pool_nearest; /* pool_type nearest: the astrocyte nearest the target (its territory: a Voronoi cell) */
  Cells acells;           /* (while wiring) the astrocytes' cells for it */
  PetscInt pool_size;
  char pool_file[PETSC_MAX_PATH_LEN]; /* pool_type map: /astrocyte, each target's one astrocyte (-1: none) */
  PetscInt64 *pool_map;               /* its values, one per target (every rank) */
  /* gliotransmission (Tsodyks-Markram with -third astrocyte_gchi, and the rule third projection that feeds those
     astrocytes): each synapse's own u and x, its U_0 modulated by the Gamma_S of its astrocyte */
  PetscBool glio;
  PetscReal glio_alpha; /* Brian2's alpha: U_0 at Gamma_S = 1 (U_0 is U_0*) */
  PetscInt64 npa;       /* tripartite: its local synapses in draw order */
  PetscInt *pastro;     /* npa: the natural id of each one's astrocyte, or -1 */
  /* gap junctions between astrocytes: each pair the rule draws, j -> i, is an IP3 flux into i from j
     (Brian2's summed J_coupling_post); symmetric: each also flows back, j <- i (NEST's make_symmetric) */
  AstroGapParams gap;
  PetscBool symmetric;
  PetscInt64 ngj; /* its junctions onto local astrocytes (by target, then draw) */
  FileEdge *gj;
} Projection;

typedef struct {
  TpNetworkRows r;
  PetscInt64 seed;
  PetscReal dt;
  PetscBool brunel; /* the default network */
  PetscReal brunel_g, brunel_eta, brunel_J, brunel_delay, brunel_epsilon;
  PetscInt brunel_order;
  PetscInt npop, nproj, nrec;
  Population pop[SPIKING_MAX_POPS];
  PetscInt popsize[SPIKING_MAX_POPS]; /* the sizes again, as the network's groups */
  Projection proj[SPIKING_MAX_PROJ];
  PetscInt rec[SPIKING_MAX_REC];    /* natural ids of the neurons whose V_m is a series */
  PetscInt recloc[SPIKING_MAX_REC]; /* their local rows here, or -1 (found once, in set-up) */
  PetscInt window, dring;           /* D = smallest delay in steps; ring length = largest delay */
  /* state of the local neurons */
  PetscInt *popof;     /* nloc: population of each local row */
  double *V;           /* nloc */
  double *gex, *gin;   /* nloc each: excitatory and inhibitory currents (pA) or conductances (nS) */
  double *rex, *rin;   /* nloc each: the alpha kernels' second variables */
  double *Isyn;        /* nloc x 2: gex and gin by neuron, the declared field (sync and loaded) */
  double *rise;        /* nloc x 2: rex and rin by neuron, the declared field */
  PetscInt fsyn, fsyr; /* their numbers */
  double *adap;        /* nloc: w (aeif_cond_alpha, pA), u (izhikevich) */
  int *fired;          /* nloc: scratch, its spikes in the current step */
  int *pcnt;           /* nloc: scratch, its Poisson count in the current step */
  uint64_t *pkey;      /* nloc: the Poisson stream's key (seed, stream, neuron), mixed once */
  PetscInt64 *refr;    /* nloc: steps left refractory */
  /* astrocytes (rows of astrocyte_lr_1994 populations) and their slow inward currents */
  SpikingAstro astro;        /* the slow system of the local ones */
  PetscInt *arow;            /* astro.n: each astrocyte's local row */
  PetscInt napop;            /* astrocyte populations (their totals are a series) */
  PetscCount ngap;           /* gap junctions between astrocytes (directed pairs) */
  PetscCount nlinks;         /* links between the compartments of astrocytes with processes */
  PetscInt *astof;           /* nloc: each row's place among them, or -1 */
  PetscReal astro_dt;        /* the slow step (ms), a whole number of steps */
  PetscInt astro_k;          /* neuron steps per slow step */
  PetscBool gchi;            /* some astrocytes are G-ChI */
  PetscInt afw, arw;         /* the declared field's values per row (4, or 9 with G-ChI); a recorded astrocyte's */
  double *afield;            /* nloc x afw: IP3, Ca, h, input pending (G-ChI: then Gamma_A, x_A, G_A, Y, Y held) */
  PetscInt fastro;           /* its number */
  PetscBool sic;             /* some projection carries slow inward currents */
  PetscBool write_edges;     /* -spiking_write_edges */
  double *isic;              /* nloc: I_SIC held over the current step (pA) */
  PetscInt nsicrow, *sicrow; /* the rows of sending astrocytes whose current is not 0 (after the last slow step) */
  /* deliveries into sparse populations (astrocyte_lr_1994 rows fed by synapses only), by ring slot: runs [q0, q1)
     of tgt, whose rows a step reads and empties instead of every row; all[slot]: every row (after a restart) */
  PetscCount **drun;
  size_t *ndrun, *capdrun;
  char *dall;
  double *sring;                 /* dring x nloc: I_SIC arriving at each step modulo dring (by slot) */
  double *sringck;               /* nloc x dring: the same by neuron, the declared field */
  PetscInt fsring;               /* its number */
  PetscInt64 nsev, capsev, *sev; /* this window's slow inward currents: (key (step - wstart) N + id, value bits) */
  PetscInt *sevrow;              /* the local row of each */
  PetscInt64 capsgath, *sgath;   /* the gathered ones */
  PetscInt *sicc;                /* scratch: each one's column here and population, */
  double *sicv;                  /* and current */
  PetscInt sicdelay;             /* the delay (steps) of every slow inward current, if they have one, else -1 */
  PetscInt *sptr;                /* nloc + 1: the ranks each local sending astrocyte's currents go to, */
  PetscMPIInt *srank;            /* with columns of it (this one included) */
  char *sicmark;                 /* nloc: scratch, the targets of a run of currents */
  PetscInt *sictgt;              /* nloc: their list (those of the last run of the last window, */
  double *sicS;                  /* with their summed currents) */
  PetscInt nsicheld;             /* their number */
  PetscBool sicheld;             /* they are valid: a window with no slow step repeats them (one delay) */
  PetscBool sicreuse;            /* this window does */
  PetscInt nreca, reca[SPIKING_MAX_REC]; /* natural ids of the astrocytes recorded as a series */
  PetscBool recsyn;                      /* the -record_V neurons' synaptic currents or conductances too (a series) */
  PetscInt nrw, rwsrc[SPIKING_MAX_REC], rwtgt[SPIKING_MAX_REC]; /* STDP synapses (natural ids) whose weight is a
                                                                   series (-spiking_<P-Q>_record_weights) */
  PetscInt64 rwslot[SPIKING_MAX_REC];                           /* each one's slot here, or -1 */
  PetscInt recaloc[SPIKING_MAX_REC];                            /* their local rows here, or -1 */
  PetscInt64 *nspk;                                             /* nloc: spikes so far */
  PetscInt64 *last;                                             /* nloc: step of the last spike (-1: none) */
  double *isi;    /* nloc x 3: number, sum and sum of squares of inter-spike intervals (steps) */
  double *ring;   /* dring x 2 x nloc: input arriving at each step mod dring, excitatory then inhibitory (by slot:
                     a step's deliveries and reads stay in one block of 16 nloc bytes) */
  double *ringck; /* nloc x dring x 2: the same by neuron, the declared field (TpModel sync and loaded) */
  PetscInt fring; /* that field's number */
  PetscInt64 popspk[SPIKING_MAX_POPS]; /* global: spikes of each population so far (summed over the ranks
                                          at each sample and for checkpoints) */
  PetscInt64 mypop[SPIKING_MAX_POPS];  /* this rank's own spikes of each population so far */
  PetscInt fpop;                       /* the field of popspk */
  /* synapses onto local neurons, by presynaptic neuron (a column: a source with targets here; every rank also
     has a column for each neuron of a population that gates stdp_gated synapses, which every rank must hear) */
  PetscInt ncol;
  PetscInt *colof;    /* N, set-up only: the column of each natural id, or -1 */
  PetscInt *cand;     /* set-up only: the distance rule's sources in range of one target (the largest population) */
  double *cw;         /* set-up only: their kernels (and their cumulative sums, fixed_indegree with a mask) */
  PetscInt64 maskbad; /* set-up only: the first target (natural id) whose mask holds too few sources, else INT64_MAX */
  PetscInt *colgid;   /* ncol: the natural id of each column, ascending */
  PetscInt *collocal; /* ncol: its local row when the source is local, else -1 */
  PetscCount *outptr; /* ncol + 1 */
  int32_t *tgt;       /* local row; weight and delay are the projection's (one per source and target
                         population: a column's synapses come by target, so in runs of one projection) */
  PetscInt projof[SPIKING_MAX_POPS][SPIKING_MAX_POPS]; /* the projection from a population to another, or -1 */
  /* Tsodyks-Markram state per presynaptic neuron and projection (the same for all its synapses of a
     projection: they see the same spikes): u and x of each of its source's TM projections, then the
     step of its last spike (-1: none); for every column, and for every local neuron (checkpointed) */
  PetscInt tmw, tms;   /* TM projections of a source at most; values per neuron 2 tmw + spw + 1 */
  PetscInt spw, spinw; /* STDP projections of a source, onto a target, at most */
  /* STDP: the plastic synapses onto each local neuron, by target (row i holds slots i Kmax .. + Kmax;
     a run's weights, checkpointed and written in natural order of the targets) */
  PetscInt Kmax;    /* plastic synapses onto one neuron at most (all ranks) */
  double *sw;       /* nloc x Kmax: weights (NaN: no synapse) */
  int32_t *scol;    /* nloc x Kmax: the column of each one's source (-1: none) */
  PetscInt64 *ssrc; /* nloc x Kmax: its source's natural id (-1: none), output */
  uint32_t *wpos;   /* nsyn_loc: the slot of each column synapse of an STDP projection */
  uint8_t *colpop;  /* ncol: each column's population */
  double *spost;    /* nloc x 2 spinw: K- and the (delay-shifted) step of the last postsynaptic spike */
  double *selig;    /* nloc x Kmax x 2 (only with stdp_gated projections): eligibility c and the step it was at */
  PetscBool gated;  /* some projection is stdp_gated */
  PetscBool isgate[SPIKING_MAX_POPS];   /* the population gates some stdp_gated projection */
  PetscInt64 gatecnt[SPIKING_MAX_POPS]; /* spikes of each gating population delivered here so far */
  PetscInt64 gate0[SPIKING_MAX_POPS];   /* gatecnt at the start of the step being delivered (stdp_gated) */
  /* with -rule file projections: every local synapse's own weight and delay (steps) */
  PetscBool persyn;
  double *fw;
  uint16_t *fd;
  /* gliotransmission (-glio_alpha projections): their synapses onto each local neuron by target, as STDP's, each
     with its own Tsodyks-Markram state, and the Gamma_S of their astrocytes brought here from their ranks (held:
     the value after the last slow step before the window being delivered) */
  PetscBool glio;                    /* some projection has gliotransmission (all ranks) */
  PetscInt Gmax;                     /* such synapses onto one neuron at most (all ranks) */
  uint32_t *gpos;                    /* nsyn_loc: the slot of each column synapse of such a projection */
  double *gux;                       /* nloc x Gmax x 2: u and x of each slot (checkpointed) */
  int32_t *gls;                      /* nloc x Gmax: its astrocyte's place in glv (-1: none, -2: no synapse) */
  double *glv;                       /* the Gamma_S of the astrocytes of the local such synapses */
  PetscSF glsf;                      /* roots: the local astrocytes (astro.gam); leaves: glv */
  PetscInt64 scur[SPIKING_MAX_PROJ]; /* per STDP projection: the first local spike whose event is still to come */
  double *tmcol;                     /* ncol x tms */
  double *tmloc;                     /* nloc x tms */
  PetscCount nsyn_loc;               /* local synapses */
  PetscCount nsyn;                   /* all synapses */
  /* this window's spikes, and the record of every local spike */
  PetscInt64 wstart, nwin, capwin, *win; /* keys (step - wstart) 2^32 + local row */
  PetscInt64 nrecd, caprecd, *recd;      /* keys step N + id */
  /* the spike exchange over the ghost plan: each local neuron's spikes go only to the ranks that hold a column
     of it, as keys (step - wstart) 2^32 + that column; a rank delivers what it receives in (step, column)
     order, which is (step, natural id) order: the same on any number of ranks */
  PetscInt *selfcol;             /* nloc: the column here of each local neuron, or -1 */
  PetscInt *dptr;                /* nloc + 1: its columns on other ranks, */
  PetscMPIInt *dnbr;             /* each one's rank (as its place among the neighbours spikes go to) */
  uint32_t *dcol;                /* and its column there */
  MPI_Comm gcomm;                /* the neighbours: the ranks spikes go to and come from (a graph communicator) */
  PetscMPIInt nout, nin;         /* their numbers, */
  PetscMPIInt *outrank, *inrank; /* ranks, */
  PetscMPIInt *outblk, *inblk;   /* and the block each window's message to or from each one holds (count, then
                                    keys): sized by the pair's previous window, which both ends saw; the rest of
                                    a longer window follows point to point */
  PetscMPIInt *scnt, *sdsp, *rcnt, *rdsp, *ocnt; /* per neighbour: the block's length and place, this window's keys */
  PetscMPIInt *odsp;                             /* and the place of its keys past a block */
  PetscInt64 *sbuf, *rbuf, *over;                /* the blocks sent and received, keys past a block */
  size_t capsbuf, caprbuf, capover;
  MPI_Request *req;
  PetscBool xnone; /* no rank sends spikes to another (one rank, or unconnected blocks): no communication */
  /* the exchange overlapped with the next window's first step (-spiking_overlap, when every population can step
     ahead of its input and no astrocyte signal travels): it starts after a window, travels while that step
     advances, and ends before the step takes its input, or before anything reads the state */
  PetscBool overlap, xtravel;       /* the option and whether it applies; an exchange travels now */
  PetscInt64 xstart, xend;          /* the window it carries */
  PetscInt64 nxwin, capxwin, *xwin; /* that window's spikes (the window's list, swapped out) */
  PetscMPIInt nxreq;                /* its requests in req: the blocks received, sent, keys past blocks */
  PetscInt64 xmost[2], xsum[2];     /* over the ranks: the most and the sum of the neighbours spikes go to and of the
                                       columns of other ranks' neurons (the run header shows them) */
  PetscSF colsf;    /* leaves: the columns; roots: their sources' rows (the presynaptic state at a restart) */
  PetscInt64 *gath; /* the window's keys delivered here, sorted */
  size_t capgath;
  PetscMPIInt *displs; /* (slow inward currents: where each rank's records start, received) */
  /* observation */
  PetscInt64 clock[2]; /* global: the step of the last exchange, and of the last sample */
  PetscInt64 obs_popspk[SPIKING_MAX_POPS];
  double cv[SPIKING_MAX_POPS];
} Spiking;

/* -log_view's split of a spiking run */
static PetscLogEvent EV_UPDATE, EV_GATHER, EV_DELIVER, EV_PLASTIC, EV_ASTRO;
static PetscErrorCode ExchangeEnd(TpModel m);

/* Whether neurons of this type can step ahead of their input (the first step of a window, while the
   previous window's spikes travel; then LoopArrive). */
static inline PetscBool StepsAhead(NeuronType type)
{
  return (PetscBool)(type == NT_IAF_PSC_EXP || type == NT_IAF_PSC_ALPHA || type == NT_COBA_LIF ||
                     type == NT_AEIF_COND_ALPHA || type == NT_SPIKE_GENERATOR);
}

static PetscInt PopOf(const Spiking *d, PetscInt g)
{
  PetscInt p = 0;
  while (p + 1 < d->npop && g >= d->pop[p + 1].first) p++;
  return p;
}

/* The local row of natural id g of population P, or -1 (local rows ascend in natural id). */
static PetscInt LocalRow(const Spiking *d, const Population *P, PetscInt g)
{
  PetscInt lo = P->lo, hi = P->hi;

  if (lo < 0) return -1;
  while (hi - lo > 1) {
    const PetscInt mid = (lo + hi) / 2;
    if (TpRowGid(&d->r, mid) <= g)
      lo = mid;
    else
      hi = mid;
  }
  return TpRowGid(&d->r, lo) == g ? lo : -1;
}

static PetscErrorCode FindPop(TpModel m, const char *name, const char *opt, const char *item, PetscInt *p)
{
  Spiking *d = m->data;

  PetscFunctionBegin;
  for (*p = 0; *p < d->npop; (*p)++)
    if (!strcmp(d->pop[*p].name, name)) PetscFunctionReturn(0);
  SETERRQ(m->comm, PETSC_ERR_ARG_WRONG, "Option %s: '%s' names population '%s', which does not exist", opt, item, name);
}

static PetscBool GoodName(const char *s)
{
  if (!*s || strlen(s) >= 32) return PETSC_FALSE;
  for (; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))) return PETSC_FALSE;
  return PETSC_TRUE;
}

/* The populations: names and sizes (before the network is made, which takes their total). */
static PetscErrorCode SpikingNeurons(TpModel m, PetscInt *N, PetscInt *ngroups, const PetscInt **sizes)
{
  Spiking *d      = m->data;
  char list[4096] = "", opt[80];
  PetscBool set;
  double total = 0;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(opt, sizeof(opt), "-%spopulations", m->prefix));
  PetscOptionsBegin(m->comm, m->prefix, "Spiking network (M4): populations", "TpModel");
  PetscCall(PetscOptionsString("-populations", "Populations NAME:SIZE,... (default: Brunel's network)", "", list, list,
                               sizeof(list), &set));
  PetscCall(PetscOptionsInt("-brunel_order", "Brunel's network: N_E = 4 order, N_I = order", "", d->brunel_order,
                            &d->brunel_order, NULL));
  PetscOptionsEnd();
  d->brunel = set ? PETSC_FALSE : PETSC_TRUE;
  d->npop   = 0;
  if (d->brunel) {
    PetscCheck(d->brunel_order > 0 && d->brunel_order < PETSC_MAX_INT / 5, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%sbrunel_order must be in [1, %d]; got %" PetscInt_FMT, m->prefix, (int)(PETSC_MAX_INT / 5),
               d->brunel_order);
    PetscCall(PetscStrncpy(d->pop[0].name, "E", 32));
    PetscCall(PetscStrncpy(d->pop[1].name, "I", 32));
    d->pop[0].size = 4 * d->brunel_order;
    d->pop[1].size = d->brunel_order;
    d->npop        = 2;
  } else {
    char *item = list, *next;
    PetscCheck(list[0], m->comm, PETSC_ERR_ARG_WRONG, "Option %s is empty", opt);
    for (; item; item = next) {
      char *colon, *end;
      long long size;
      next = strchr(item, ',');
      if (next) *next++ = 0;
      colon = strchr(item, ':');
      PetscCheck(colon, m->comm, PETSC_ERR_ARG_WRONG, "Option %s: '%s' is not NAME:SIZE", opt, item);
      *colon = 0;
      size   = strtoll(colon + 1, &end, 10);
      PetscCheck(GoodName(item), m->comm, PETSC_ERR_ARG_WRONG,
                 "Option %s: population name '%s' must be 1 to 31 letters or digits", opt, item);
      PetscCheck(*end == 0 && colon[1] && size > 0 && size < PETSC_MAX_INT, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "Option %s: population %s has size '%s'; it must be a positive integer below 2^31", opt, item,
                 colon + 1);
      PetscCheck(d->npop < SPIKING_MAX_POPS, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "Option %s: more than %d populations",
                 opt, SPIKING_MAX_POPS);
      for (PetscInt q = 0; q < d->npop; q++)
        PetscCheck(strcmp(d->pop[q].name, item), m->comm, PETSC_ERR_ARG_WRONG, "Option %s names population %s twice",
                   opt, item);
      PetscCall(PetscStrncpy(d->pop[d->npop].name, item, 32));
      d->pop[d->npop++].size = (PetscInt)size;
    }
  }
  for (PetscInt q = 0; q < d->npop; q++) {
    d->pop[q].first = (PetscInt)total;
    total += (double)d->pop[q].size;
    d->popsize[q] = d->pop[q].size;
  }
  PetscCheck(total < PETSC_MAX_INT, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option %s: %.0f neurons in all; this build counts neurons in 32 bits", opt, total);
  *N       = (PetscInt)total;
  *ngroups = d->npop;
  *sizes   = d->popsize;
  PetscFunctionReturn(0);
}

/* NEST's defaults for each type (Brian2's example for coba_lif) */
static void PopulationDefaults(Population *P)
{
  P->C_m = 250, P->tau_m = 10, P->t_ref = 2, P->E_L = -70, P->V_th = -55, P->V_reset = -70, P->V_m = -70;
  P->I_e = 0, P->tau_syn_ex = P->tau_syn_in = 2, P->poisson_rate = 0, P->poisson_weight = 0;
  P->g_L = 16.7, P->E_ex = 0, P->E_in = -85, P->Delta_T = 2, P->tau_w = 144, P->a = 4, P->b = 80.5;
  P->c = -65, P->dd = 8, P->V_peak = 0, P->V_min = -PETSC_MAX_REAL, P->U_m = 0, P->substeps = 10;
  /* point astrocytes; with processes, Allbritton et al.'s (1992) IP3 283 and Ca 13 um^2/s over links of 5 um */
  P->cell_size = 1, P->branching = 2, P->dif.D_IP3 = 283e-3 / 25, P->dif.D_Ca = 13e-3 / 25;
  switch (P->type) {
  case NT_AEIF_COND_ALPHA: /* aeif_cond_alpha */
    P->C_m = 281, P->g_L = 30, P->E_L = -70.6, P->V_th = -50.4, P->V_reset = -60, P->V_m = -70.6, P->t_ref = 0;
    P->tau_syn_ex = 0.2, P->tau_syn_in = 2;
    break;
  case NT_IZHIKEVICH: /* izhikevich */
    P->a = 0.02, P->b = 0.2, P->V_th = 30, P->V_m = -65, P->t_ref = 0;
    break;
  case NT_COBA_LIF: /* Stimberg et al. (2018), example 1 */
    P->C_m = 198, P->g_L = 9.99, P->E_L = -60, P->E_ex = 0, P->E_in = -80, P->tau_syn_ex = 5, P->tau_syn_in = 10;
    P->t_ref = 5, P->V_th = -50, P->V_reset = -60, P->V_m = -60;
    break;
  case NT_ASTROCYTE_LR_1994: { /* NEST 3.9's defaults (Nadkarni & Jung 2003) */
    const AstroLrParams lr = {.Ca_tot       = 2.0,
                              .IP3_0        = 0.16,
                              .Kd_IP3_1     = 0.13,
                              .Kd_IP3_2     = 0.9434,
                              .Kd_act       = 0.08234,
                              .Kd_inh       = 1.049,
                              .Km_SERCA     = 0.1,
                              .ratio_ER_cyt = 0.185,
                              .rate_IP3R    = 0.006,
                              .rate_L       = 0.00011,
                              .rate_SERCA   = 0.0009,
                              .k_IP3R       = 0.0002,
                              .tau_IP3      = 7142,
                              .delta_IP3    = 0.0002,
                              .SIC_scale    = 1,
                              .SIC_th       = 0.19669};
    P->lr                  = lr;
    P->Ca_astro = 0.073, P->h_IP3R = 0.793, P->Ca_threshold = 0;
  } break;
  case NT_ASTROCYTE_GCHI: { /* Brian2's Stimberg et al. (2018) example 6 (s, uM, mM) */
    const AstroGchiParams g = {.O_P         = 0.9,
                               .K_P         = 0.05,
                               .C_T         = 2,
                               .rho_A       = 0.18,
                               .Omega_C     = 6,
                               .Omega_L     = 0.1,
                               .d_1         = 0.13,
                               .d_2         = 1.05,
                               .O_2         = 0.2,
                               .d_3         = 0.9434,
                               .d_5         = 0.08,
                               .O_beta      = 0.5,
                               .O_N         = 0.3,
                               .Omega_N     = 0.5,
                               .K_KC        = 0.5,
                               .zeta        = 10,
                               .O_delta     = 1.2,
                               .kappa_delta = 1.5,
                               .K_delta     = 0.1,
                               .Omega_5P    = 0.05,
                               .K_D         = 0.7,
                               .K_3K        = 1.0,
                               .O_3K        = 4.5,
                               .Omega_c     = 40,
                               .rho_c       = 0.005,
                               .Y_T         = 500,
                               .C_Theta     = 0.5,
                               .Omega_A     = 0.6,
                               .U_A         = 0.6,
                               .G_T         = 200,
                               .rho_e       = 6.5e-4,
                               .Omega_e     = 60,
                               .O_G         = 1.5,
                               .Omega_G     = 0.5 / 60};
    P->gchi                 = g;
    P->IP3 = 0.01, P->Ca_astro = 0.01, P->h_IP3R = 0.9, P->Gamma_A = 0, P->x_A = 1, P->G_A = 0, P->Gamma_S = 0;
    P->glu_mean = PETSC_TRUE;
  } break;
  default:
    break;
  }
}

/* astrocyte_lr_1994's parameters and initial state, checked as NEST checks them */
static PetscErrorCode ReadAstrocyte(TpModel m, Population *P, const char *prefix)
{
  AstroLrParams *A = &P->lr;
  PetscBool set;

  PetscFunctionBegin;
  PetscOptionsBegin(m->comm, prefix, "Spiking network (M4): an astrocyte_lr_1994 population", "TpModel");
  PetscCall(
      PetscOptionsReal("-Ca_tot", "Total free Ca in terms of cytosolic volume (uM)", "", A->Ca_tot, &A->Ca_tot, NULL));
  PetscCall(PetscOptionsReal("-IP3_0", "Baseline IP3 (uM)", "", A->IP3_0, &A->IP3_0, NULL));
  PetscCall(PetscOptionsReal("-Kd_IP3_1", "First IP3R dissociation constant of IP3 (uM)", "", A->Kd_IP3_1, &A->Kd_IP3_1,
                             NULL));
  PetscCall(PetscOptionsReal("-Kd_IP3_2", "Second IP3R dissociation constant of IP3 (uM)", "", A->Kd_IP3_2,
                             &A->Kd_IP3_2, NULL));
  PetscCall(PetscOptionsReal("-Kd_act", "IP3R dissociation constant of Ca, activation (uM)", "", A->Kd_act, &A->Kd_act,
                             NULL));
  PetscCall(PetscOptionsReal("-Kd_inh", "IP3R dissociation constant of Ca, inhibition (uM)", "", A->Kd_inh, &A->Kd_inh,
                             NULL));
  PetscCall(
      PetscOptionsReal("-Km_SERCA", "Activation constant of the SERCA pump (uM)", "", A->Km_SERCA, &A->Km_SERCA, NULL));
  PetscCall(PetscOptionsReal("-ratio_ER_cyt", "ER over cytosol volume", "", A->ratio_ER_cyt, &A->ratio_ER_cyt, NULL));
  PetscCall(PetscOptionsReal("-rate_IP3R", "Largest rate of Ca release by IP3R (1/ms)", "", A->rate_IP3R, &A->rate_IP3R,
                             NULL));
  PetscCall(PetscOptionsReal("-rate_L", "Rate of Ca leak from the ER (1/ms)", "", A->rate_L, &A->rate_L, NULL));
  PetscCall(PetscOptionsReal("-rate_SERCA", "Largest rate of Ca uptake by SERCA (uM/ms)", "", A->rate_SERCA,
                             &A->rate_SERCA, NULL));
  PetscCall(PetscOptionsReal("-k_IP3R", "IP3R binding constant of Ca inhibition (1/(uM ms))", "", A->k_IP3R, &A->k_IP3R,
                             NULL));
  PetscCall(PetscOptionsReal("-tau_IP3", "Time constant of IP3's decay (ms)", "", A->tau_IP3, &A->tau_IP3, NULL));
  PetscCall(PetscOptionsReal("-delta_IP3", "IP3 increase per unit of arriving spike weight (uM)", "", A->delta_IP3,
                             &A->delta_IP3, NULL));
  PetscCall(PetscOptionsReal("-SIC_scale", "Scale of the slow inward current", "", A->SIC_scale, &A->SIC_scale, NULL));
  PetscCall(
      PetscOptionsReal("-SIC_th", "Ca threshold of the slow inward current (uM)", "", A->SIC_th, &A->SIC_th, NULL));
  P->IP3 = A->IP3_0;
  PetscCall(PetscOptionsReal("-IP3", "Initial IP3 (uM; default IP3_0)", "", P->IP3, &P->IP3, &set));
  PetscCall(PetscOptionsReal("-Ca_astro", "Initial Ca (uM)", "", P->Ca_astro, &P->Ca_astro, NULL));
  PetscCall(PetscOptionsReal("-h_IP3R", "Initial fraction of active IP3 receptors", "", P->h_IP3R, &P->h_IP3R, NULL));
  PetscCall(PetscOptionsReal("-Ca_threshold", "Calcium events when Ca rises past this (uM; 0: none)", "",
                             P->Ca_threshold, &P->Ca_threshold, NULL));
  PetscOptionsEnd();
#define ASTRO_CHECK(x, cond, what)                                                                                     \
  PetscCheck(!PetscIsInfOrNanReal(A->x) && (cond), m->comm, PETSC_ERR_ARG_OUTOFRANGE,                                  \
             "Option -%s" #x " (astrocyte_lr_1994) must be " what "; got %.6g", prefix, (double)A->x)
  ASTRO_CHECK(Ca_tot, A->Ca_tot > 0, "positive");
  ASTRO_CHECK(IP3_0, A->IP3_0 >= 0, "non-negative");
  ASTRO_CHECK(Kd_act, A->Kd_act > 0, "positive");
  ASTRO_CHECK(Kd_inh, A->Kd_inh >= 0, "non-negative");
  ASTRO_CHECK(Kd_IP3_1, A->Kd_IP3_1 > 0, "positive");
  ASTRO_CHECK(Kd_IP3_2, A->Kd_IP3_2 > 0, "positive");
  ASTRO_CHECK(Km_SERCA, A->Km_SERCA > 0, "positive");
  ASTRO_CHECK(ratio_ER_cyt, A->ratio_ER_cyt > 0, "positive");
  ASTRO_CHECK(delta_IP3, A->delta_IP3 >= 0, "non-negative");
  ASTRO_CHECK(k_IP3R, A->k_IP3R >= 0, "non-negative");
  ASTRO_CHECK(SIC_scale, A->SIC_scale > 0, "positive");
  ASTRO_CHECK(SIC_th, A->SIC_th >= 0, "non-negative");
  ASTRO_CHECK(rate_L, A->rate_L >= 0, "non-negative");
  ASTRO_CHECK(rate_IP3R, A->rate_IP3R >= 0, "non-negative");
  ASTRO_CHECK(rate_SERCA, A->rate_SERCA >= 0, "non-negative");
  ASTRO_CHECK(tau_IP3, A->tau_IP3 > 0, "positive");
#undef ASTRO_CHECK
  PetscCheck(P->IP3 >= 0 && P->Ca_astro >= 0 && P->h_IP3R >= 0 && P->h_IP3R <= 1, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Options -%sIP3 %.6g, -%sCa_astro %.6g, -%sh_IP3R %.6g: IP3 and Ca must be non-negative, h_IP3R in [0, 1]",
             prefix, (double)P->IP3, prefix, (double)P->Ca_astro, prefix, (double)P->h_IP3R);
  PetscCheck(P->Ca_threshold >= 0 && P->Ca_threshold < A->Ca_tot, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%sCa_threshold must lie in [0, Ca_tot = %.6g) uM (0: no calcium events); got %.6g", prefix,
             (double)A->Ca_tot, (double)P->Ca_threshold);
  PetscCheck(P->poisson_weight >= 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%spoisson_weight %.6g: astrocyte_lr_1994 takes no negative weights", prefix,
             (double)P->poisson_weight);
  PetscFunctionReturn(0);
}

/* astrocyte_gchi's parameters (Brian2's names and units: s, uM, mM) and initial state; then in the
   kernel's units (ms, uM) */
static PetscErrorCode ReadGchi(TpModel m, Population *P, const char *prefix)
{
  AstroGchiParams *A = &P->gchi, *K = &P->gk;
  struct {
    const char *name, *help;
    double *v;
    int rate; /* 1: per second (to per ms); 2: mM (to uM); 0 as is */
    int positive;
  } const par[] = {
      {"O_P", "Largest Ca uptake rate by SERCAs (uM/s)", &A->O_P, 1, 0},
      {"K_P", "Ca affinity of SERCAs (uM)", &A->K_P, 0, 1},
      {"C_T", "Total free Ca content of the cell (uM)", &A->C_T, 0, 1},
      {"rho_A", "ER over cytoplasm volume", &A->rho_A, 0, 0},
      {"Omega_C", "Largest rate of Ca release by IP3Rs (1/s)", &A->Omega_C, 1, 0},
      {"Omega_L", "Largest rate of Ca leak from the ER (1/s)", &A->Omega_L, 1, 0},
      {"d_1", "IP3 binding affinity (uM)", &A->d_1, 0, 1},
      {"d_2", "Ca inactivation dissociation constant (uM)", &A->d_2, 0, 1},
      {"O_2", "IP3R binding rate for Ca inhibition (1/(uM s))", &A->O_2, 1, 1},
      {"d_3", "IP3 dissociation constant (uM)", &A->d_3, 0, 1},
      {"d_5", "Ca activation dissociation constant (uM)", &A->d_5, 0, 1},
      {"O_beta", "Largest rate of IP3 production by PLCbeta (uM/s)", &A->O_beta, 1, 0},
      {"O_N", "Agonist binding rate (1/(uM s))", &A->O_N, 1, 0},
      {"Omega_N", "Largest inactivation rate of the receptors (1/s)", &A->Omega_N, 1, 0},
      {"K_KC", "Ca affinity of PKC (uM)", &A->K_KC, 0, 1},
      {"zeta", "Largest reduction of receptor affinity by PKC", &A->zeta, 0, 0},
      {"O_delta", "Largest rate of IP3 production by PLCdelta (uM/s)", &A->O_delta, 1, 0},
      {"kappa_delta", "Inhibition constant of PLCdelta by IP3 (uM)", &A->kappa_delta, 0, 1},
      {"K_delta", "Ca affinity of PLCdelta (uM)", &A->K_delta, 0, 1},
      {"Omega_5P", "Largest rate of IP3 degradation by IP-5P (1/s)", &A->Omega_5P, 1, 0},
      {"K_D", "Ca affinity of IP3-3K (uM)", &A->K_D, 0, 1},
      {"K_3K", "IP3 affinity of IP3-3K (uM)", &A->K_3K, 0, 1},
      {"O_3K", "Largest rate of IP3 degradation by IP3-3K (uM/s)", &A->O_3K, 1, 0},
      {"Omega_c", "Clearance rate of synaptic glutamate (1/s)", &A->Omega_c, 1, 0},
      {"rho_c", "Synaptic vesicle over extracellular volume", &A->rho_c, 0, 0},
      {"Y_T", "Total vesicular glutamate (mM)", &A->Y_T, 2, 0},
      {"C_Theta", "Ca threshold of gliotransmitter release (uM)", &A->C_Theta, 0, 1},
      {"Omega_A", "Gliotransmitter recycling rate (1/s)", &A->Omega_A, 1, 0},
      {"U_A", "Gliotransmitter release probability", &A->U_A, 0, 0},
      {"G_T", "Total vesicular gliotransmitter (mM)", &A->G_T, 2, 0},
      {"rho_e", "Astrocytic vesicle over extracellular volume", &A->rho_e, 0, 0},
      {"Omega_e", "Gliotransmitter clearance rate (1/s)", &A->Omega_e, 1, 0},
      {"O_G", "Activation rate of the covered synapses' gliotransmitter receptors (1/(uM s))", &A->O_G, 1, 0},
      {"Omega_G", "Inactivation rate of those receptors (1/s)", &A->Omega_G, 1, 0},
  };
  const size_t npar = sizeof(par) / sizeof(par[0]);

  PetscFunctionBegin;
  PetscOptionsBegin(m->comm, prefix, "Spiking network (M4): an astrocyte_gchi population (Brian2's units)", "TpModel");
  for (size_t k = 0; k < npar; k++) {
    char opt[32];
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-%s", par[k].name));
    PetscCall(PetscOptionsReal(opt, par[k].help, "", *par[k].v, par[k].v, NULL));
  }
  PetscCall(PetscOptionsReal("-I", "Initial IP3 (uM)", "", P->IP3, &P->IP3, NULL));
  PetscCall(PetscOptionsReal("-C", "Initial Ca (uM)", "", P->Ca_astro, &P->Ca_astro, NULL));
  PetscCall(PetscOptionsReal("-h", "Initial fraction of IP3Rs not inactivated", "", P->h_IP3R, &P->h_IP3R, NULL));
  PetscCall(PetscOptionsReal("-Gamma_A", "Initial fraction of activated receptors", "", P->Gamma_A, &P->Gamma_A, NULL));
  PetscCall(PetscOptionsReal("-x_A", "Initial fraction of gliotransmitter available", "", P->x_A, &P->x_A, NULL));
  PetscCall(PetscOptionsReal("-G_A", "Initial extracellular gliotransmitter (mM)", "", P->G_A, &P->G_A, NULL));
  PetscCall(PetscOptionsReal("-Gamma_S", "Initial fraction of activated gliotransmitter receptors of its synapses", "",
                             P->Gamma_S, &P->Gamma_S, NULL));
  PetscCall(PetscOptionsBool("-glutamate_mean",
                             "The synaptic glutamate it sees is the mean over its synapses (Brian2's Y_S/N_incoming); "
                             "false: their sum",
                             "", P->glu_mean, &P->glu_mean, NULL));
  PetscOptionsEnd();
  *K = *A;
  for (size_t k = 0; k < npar; k++) {
    const double v = *par[k].v;
    PetscCheck(PetscIsNormalReal(v + 1) && (par[k].positive ? v > 0 : v >= 0), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%s%s (astrocyte_gchi) must be %s; got %.6g", prefix, par[k].name,
               par[k].positive ? "positive" : "non-negative and finite", v);
    /* the same field of the kernel's copy, in ms and uM */
    ((double *)K)[(double *)par[k].v - (double *)A] = par[k].rate == 1 ? v / 1000 : par[k].rate == 2 ? v * 1000 : v;
  }
  PetscCheck(A->U_A <= 1, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%sU_A (astrocyte_gchi) is a probability, in [0, 1]; got %.6g", prefix, (double)A->U_A);
  PetscCheck(
      A->C_Theta < A->C_T / (1 + A->rho_A), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
      "Option -%sC_Theta %.6g uM: the threshold must lie below the largest cytosolic Ca C_T/(1 + rho_A) = %.6g uM",
      prefix, (double)A->C_Theta, (double)(A->C_T / (1 + A->rho_A)));
  PetscCheck(PetscIsNormalReal(P->IP3 + 1) && P->IP3 >= 0 && PetscIsNormalReal(P->Ca_astro + 1) && P->Ca_astro >= 0 &&
                 P->h_IP3R >= 0 && P->h_IP3R <= 1 && P->Gamma_A >= 0 && P->Gamma_A <= 1 && P->x_A >= 0 && P->x_A <= 1 &&
                 PetscIsNormalReal(P->G_A + 1) && P->G_A >= 0 && P->Gamma_S >= 0 && P->Gamma_S <= 1,
             m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Options -%sI %.6g, -%sC %.6g, -%sh %.6g, -%sGamma_A %.6g, -%sx_A %.6g, -%sG_A %.6g, -%sGamma_S %.6g: I, "
             "C and G_A must be non-negative, h, Gamma_A, x_A and Gamma_S in [0, 1]",
             prefix, (double)P->IP3, prefix, (double)P->Ca_astro, prefix, (double)P->h_IP3R, prefix, (double)P->Gamma_A,
             prefix, (double)P->x_A, prefix, (double)P->G_A, prefix, (double)P->Gamma_S);
  PetscCheck(P->poisson_weight >= 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%spoisson_weight %.6g: astrocyte_gchi takes no negative weights", prefix,
             (double)P->poisson_weight);
  PetscFunctionReturn(0);
}

/* An astrocyte population's cells (astrocytes with processes: its members are compartments) and the
   initial IP3 and Ca drawn per member */
static PetscErrorCode ReadCells(TpModel m, Population *P, const char *prefix)
{
  PetscInt n1 = 2, n2 = 2;

  PetscFunctionBegin;
  PetscOptionsBegin(m->comm, prefix, "Spiking network (M4): astrocytes with processes", "TpModel");
  PetscCall(PetscOptionsInt("-cell_size",
                            "Compartments per astrocyte: consecutive blocks of this many members are one cell's "
                            "processes (1: point astrocytes)",
                            "", P->cell_size, &P->cell_size, NULL));
  PetscCall(PetscOptionsInt("-branching",
                            "A cell's morphology: compartment k > 0 of a cell is linked to (k - 1) / branching "
                            "(1: a chain, 2: a binary tree)",
                            "", P->branching, &P->branching, NULL));
  PetscCall(PetscOptionsReal("-D_IP3", "IP3 diffusion rate along each link of a cell (1/ms)", "", P->dif.D_IP3,
                             &P->dif.D_IP3, NULL));
  PetscCall(PetscOptionsReal("-D_Ca", "Ca diffusion rate along each link of a cell (1/ms)", "", P->dif.D_Ca,
                             &P->dif.D_Ca, NULL));
  PetscCall(PetscOptionsString("-morphology_file",
                               "Each member a process of this network file (tripart generate), diffusing along its "
                               "/morphology links (instead of -cell_size)",
                               "", P->morph_file, P->morph_file, sizeof(P->morph_file), NULL));
  PetscCall(PetscOptionsRealArray("-IP3_uniform", "Initial IP3 drawn uniformly in [lo, hi) per member (uM)", "",
                                  P->IP3_uniform, &n1, &P->IP3_random));
  PetscCall(PetscOptionsRealArray("-Ca_uniform", "Initial Ca drawn uniformly in [lo, hi) per member (uM)", "",
                                  P->Ca_uniform, &n2, &P->Ca_random));
  PetscOptionsEnd();
  PetscCheck(P->cell_size >= 1 && P->size % P->cell_size == 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%scell_size %" PetscInt_FMT ": the population's %" PetscInt_FMT
             " members must split into whole cells (a divisor of its size, at least 1)",
             prefix, P->cell_size, P->size);
  PetscCheck(!P->morph_file[0] || P->cell_size == 1, m->comm, PETSC_ERR_ARG_INCOMP,
             "Options -%smorphology_file %s and -%scell_size %" PetscInt_FMT
             ": the file's links are the morphology (leave cell_size 1)",
             prefix, P->morph_file, prefix, P->cell_size);
  PetscCheck(P->branching >= 1 && P->branching <= 1024, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%sbranching must lie in [1, 1024]; got %" PetscInt_FMT, prefix, P->branching);
  PetscCheck(PetscIsNormalReal(P->dif.D_IP3 + 1) && P->dif.D_IP3 >= 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%sD_IP3 must be non-negative and finite; got %.6g", prefix, (double)P->dif.D_IP3);
  PetscCheck(PetscIsNormalReal(P->dif.D_Ca + 1) && P->dif.D_Ca >= 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%sD_Ca must be non-negative and finite; got %.6g", prefix, (double)P->dif.D_Ca);
  PetscCheck(!P->IP3_random || (n1 == 2 && P->IP3_uniform[0] >= 0 && P->IP3_uniform[0] < P->IP3_uniform[1] &&
                                PetscIsNormalReal(P->IP3_uniform[1] + 1)),
             m->comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -%sIP3_uniform needs two values lo,hi with 0 <= lo < hi",
             prefix);
  PetscCheck(!P->Ca_random || (n2 == 2 && P->Ca_uniform[0] >= 0 && P->Ca_uniform[0] < P->Ca_uniform[1] &&
                               P->Ca_uniform[1] <= (IS_GCHI(P) ? P->gchi.C_T : P->lr.Ca_tot)),
             m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%sCa_uniform needs two values lo,hi with 0 <= lo < hi <= the total Ca (%.6g uM)", prefix,
             (double)(IS_GCHI(P) ? P->gchi.C_T : P->lr.Ca_tot));
  PetscFunctionReturn(0);
}

/* Collective: the HDF5 file that option opt names, opened on every rank (fapl: H5P_DEFAULT, or MPI-IO's), or
   one error naming the option, the file and what is wrong (what: "spike file", ...). */
static PetscErrorCode OpenOptionFile(TpModel m, const char *path, hid_t fapl, const char *what, const char *opt,
                                     hid_t *f)
{
  char why[PETSC_MAX_PATH_LEN + 256] = "";

  PetscFunctionBegin;
  PetscCall(TpH5OpenShared(m->comm, path, fapl, what, opt, why, sizeof(why), f));
  PetscCheck(!why[0], m->comm, PETSC_ERR_FILE_UNEXPECTED, "%s", why);
  PetscCheck(*f >= 0, m->comm, PETSC_ERR_FILE_OPEN, "Option %s: cannot open '%s' as an HDF5 file", opt, path);
  PetscFunctionReturn(0);
}

/* A population's -positions_file: its dataset (size x 2 or size x 3, um), finite, inside -extent when one
   is given; every rank reads it. */
static PetscErrorCode ReadPositions(TpModel m, Population *P, const char *prefix)
{
  char opt[112];
  hid_t f         = -1;
  int nd          = 0;
  hsize_t dims[2] = {0, 0};
  PetscBool ok;
  long long bad = -1;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(opt, sizeof(opt), "-%spositions_file", prefix));
  PetscCall(OpenOptionFile(m, P->pos_file, H5P_DEFAULT, "positions file", opt, &f));
  ok = (PetscBool)(TpH5GetExtent(f, P->pos_dataset, &nd, dims) && nd == 2 && dims[0] == (hsize_t)P->size &&
                   (dims[1] == 2 || dims[1] == 3));
  if (!ok) {
    H5Fclose(f);
    SETERRQ(m->comm, PETSC_ERR_FILE_UNEXPECTED,
            "Option %s: '%s' has no dataset /%s of %" PetscInt_FMT " x 2 or %" PetscInt_FMT
            " x 3 positions (population %s; found %d dimensions, %llu x %llu)",
            opt, P->pos_file, P->pos_dataset, P->size, P->size, P->name, nd, (unsigned long long)dims[0],
            (unsigned long long)(nd > 1 ? dims[1] : 0));
  }
  PetscCheck(!P->dim || (hsize_t)P->dim == dims[1], m->comm, PETSC_ERR_ARG_INCOMP,
             "Option %s: /%s of '%s' has %llu coordinates, -%sextent %" PetscInt_FMT, opt, P->pos_dataset, P->pos_file,
             (unsigned long long)dims[1], prefix, P->dim);
  P->dim = (PetscInt)dims[1];
  PetscCall(PetscMalloc1((size_t)P->size * P->dim + 1, &P->pos));
  ok = (PetscBool)TpH5ReadWhole(f, P->pos_dataset, H5T_NATIVE_DOUBLE, P->pos, (long long)P->size * P->dim);
  H5Fclose(f);
  PetscCheck(ok, m->comm, PETSC_ERR_FILE_READ, "Option %s: cannot read /%s of '%s'", opt, P->pos_dataset, P->pos_file);
  P->poshash = 1469598103934665603ULL;
  for (size_t k = 0; k < (size_t)P->size * P->dim; k++) {
    uint64_t b;
    memcpy(&b, &P->pos[k], sizeof(b));
    P->poshash = TpMix64(P->poshash ^ b);
  }
  for (long long k = 0; k < (long long)P->size * P->dim && bad < 0; k++) {
    const double x = P->pos[k], e = P->extent[k % P->dim];
    if (!PetscIsNormalReal(x + 1) || (e > 0 && !(x >= 0 && x < e))) bad = k;
  }
  PetscCheck(bad < 0, m->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Option %s: /%s of '%s', neuron %lld, coordinate %lld: %.10g is %s", opt, P->pos_dataset, P->pos_file,
             bad / P->dim, bad % P->dim, bad >= 0 ? P->pos[bad] : 0.0,
             P->extent[0] > 0 ? "not finite or outside [0, -extent)" : "not finite");
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadPopulation(TpModel m, Population *P)
{
  Spiking *d = m->data;
  char prefix[80], kind[16] = "";
  PetscInt ne    = 3;
  PetscBool eset = PETSC_FALSE, kset = PETSC_FALSE;
  PetscBool set, fset                = PETSC_FALSE, tset;
  PetscInt n = 256, nu = 2;
  PetscBool cond;
  int64_t ref; /* t_ref in steps */

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(prefix, sizeof(prefix), "%s%s_", m->prefix, P->name));
  P->type = NT_IAF_PSC_DELTA;
  PetscOptionsBegin(m->comm, prefix, "Spiking network (M4): a population's type", "TpModel");
  PetscCall(PetscOptionsEnum("-type", "Neuron type", "", NeuronTypes, (PetscEnum)P->type, (PetscEnum *)&P->type, NULL));
  PetscOptionsEnd();
  PopulationDefaults(P);
  if (d->brunel) { /* Brunel's parameters for the default network */
    const double CE    = PetscCeilReal(d->brunel_epsilon * d->pop[0].size);
    const double nu_th = 20.0 / (d->brunel_J * CE * 20.0); /* per ms */
    P->C_m = 1, P->tau_m = 20, P->t_ref = 2, P->E_L = 0, P->V_th = 20, P->V_reset = 0, P->V_m = 0, P->I_e = 0;
    P->poisson_rate   = 1000.0 * d->brunel_eta * nu_th * CE;
    P->poisson_weight = d->brunel_J;
  }
  PetscOptionsBegin(m->comm, prefix, "Spiking network (M4): a population", "TpModel");
  PetscCall(PetscOptionsReal("-C_m", "Capacitance (pF)", "", P->C_m, &P->C_m, NULL));
  PetscCall(PetscOptionsReal("-tau_m", "Membrane time constant (ms, iaf_psc_*)", "", P->tau_m, &P->tau_m, NULL));
  PetscCall(PetscOptionsReal("-g_L", "Leak conductance (nS, aeif_cond_alpha, coba_lif)", "", P->g_L, &P->g_L, NULL));
  PetscCall(PetscOptionsReal("-t_ref", "Refractory period (ms)", "", P->t_ref, &P->t_ref, NULL));
  PetscCall(PetscOptionsReal("-E_L", "Resting potential (mV)", "", P->E_L, &P->E_L, NULL));
  PetscCall(PetscOptionsReal("-V_th", "Threshold (mV)", "", P->V_th, &P->V_th, NULL));
  PetscCall(PetscOptionsReal("-V_reset", "Reset potential (mV)", "", P->V_reset, &P->V_reset, NULL));
  PetscCall(PetscOptionsReal("-V_m", "Initial membrane potential (mV)", "", P->V_m, &P->V_m, NULL));
  P->recspk = P->size;
  PetscCall(PetscOptionsInt("-record_spikes",
                            "Record the spikes of the first this many members (all by default; 0: none)", "", P->recspk,
                            &P->recspk, NULL));
  PetscCheck(P->recspk >= 0 && P->recspk <= P->size, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%srecord_spikes must lie in [0, %" PetscInt_FMT "] (the population's size); got %" PetscInt_FMT,
             prefix, P->size, P->recspk);
  PetscCall(PetscOptionsRealArray("-V_m_uniform", "Initial V_m drawn uniformly in [lo, hi) per neuron (mV)", "",
                                  P->V_uniform, &nu, &P->V_random));
  PetscCall(PetscOptionsReal("-I_e", "Constant input current (pA)", "", P->I_e, &P->I_e, NULL));
  P->ntimed = 64, P->timed_dt = 1000;
  PetscCall(PetscOptionsRealArray("-I_e_timed",
                                  "I_e times each value in turn, one per block of -I_e_timed_dt, the last held "
                                  "(Brian2's TimedArray; coba_lif, izhikevich, aeif_cond_alpha)",
                                  "", P->timed, &P->ntimed, &tset));
  if (!tset) P->ntimed = 0;
  PetscCall(PetscOptionsReal("-I_e_timed_dt", "The blocks of -I_e_timed (ms)", "", P->timed_dt, &P->timed_dt, NULL));
  PetscCall(PetscOptionsReal("-tau_syn_ex", "Excitatory synaptic time constant (ms)", "", P->tau_syn_ex, &P->tau_syn_ex,
                             NULL));
  PetscCall(PetscOptionsReal("-tau_syn_in", "Inhibitory synaptic time constant (ms)", "", P->tau_syn_in, &P->tau_syn_in,
                             NULL));
  PetscCall(PetscOptionsReal("-E_ex", "Excitatory reversal potential (mV, conductance-based types)", "", P->E_ex,
                             &P->E_ex, NULL));
  PetscCall(PetscOptionsReal("-E_in", "Inhibitory reversal potential (mV, conductance-based types)", "", P->E_in,
                             &P->E_in, NULL));
  PetscCall(PetscOptionsReal("-Delta_T", "Slope factor (mV, aeif_cond_alpha)", "", P->Delta_T, &P->Delta_T, NULL));
  PetscCall(
      PetscOptionsReal("-tau_w", "Adaptation time constant (ms, aeif_cond_alpha)", "", P->tau_w, &P->tau_w, NULL));
  PetscCall(
      PetscOptionsReal("-a", "Subthreshold adaptation (nS, aeif_cond_alpha; izhikevich's a)", "", P->a, &P->a, NULL));
  PetscCall(PetscOptionsReal("-b", "Spike adaptation (pA, aeif_cond_alpha; izhikevich's b)", "", P->b, &P->b, NULL));
  PetscCall(PetscOptionsReal("-c", "izhikevich: reset of v (mV)", "", P->c, &P->c, NULL));
  PetscCall(PetscOptionsReal("-d", "izhikevich: jump of u at a spike", "", P->dd, &P->dd, NULL));
  PetscCall(PetscOptionsReal("-V_peak", "Spike detection (mV, aeif_cond_alpha)", "", P->V_peak, &P->V_peak, NULL));
  PetscCall(PetscOptionsReal("-V_min", "Lower bound of v (mV, izhikevich)", "", P->V_min, &P->V_min, NULL));
  PetscCall(PetscOptionsReal("-U_m", "Initial u (izhikevich)", "", P->U_m, &P->U_m, NULL));
  PetscCall(PetscOptionsInt("-substeps", "Runge-Kutta substeps per step (aeif_cond_alpha)", "", P->substeps,
                            &P->substeps, NULL));
  PetscCall(PetscOptionsReal("-poisson_rate", "Rate of independent Poisson input to each neuron (Hz)", "",
                             P->poisson_rate, &P->poisson_rate, NULL));
  PetscCall(PetscOptionsReal("-poisson_weight", "Weight of each Poisson spike (mV delta, pA exp/alpha, nS cond)", "",
                             P->poisson_weight, &P->poisson_weight, NULL));
  PetscCall(PetscOptionsRealArray("-spike_times", "spike_generator: times (ms) at which every neuron fires", "",
                                  P->times, &n, &set));
  PetscCall(PetscStrncpy(P->spike_group, P->name, sizeof(P->spike_group)));
  PetscCall(PetscOptionsString("-spike_file",
                               "spike_generator: an HDF5 file of SONATA spikes (/spikes/<group>/timestamps, node_ids) "
                               "each neuron replays",
                               "", P->spike_file, P->spike_file, sizeof(P->spike_file), &fset));
  PetscCall(PetscOptionsString("-spike_file_group", "spike_generator: the group of -spike_file (its population name)",
                               "", P->spike_group, P->spike_group, sizeof(P->spike_group), NULL));
  P->grid_rows = 0, P->grid_spacing = 1;
  PetscCall(PetscOptionsInt("-grid_rows",
                            "Positions on a grid of this many rows, filled column by column (for -rule distance; 0: "
                            "none)",
                            "", P->grid_rows, &P->grid_rows, NULL));
  PetscCall(PetscOptionsReal("-grid_spacing", "Distance between neighbouring grid points (um)", "", P->grid_spacing,
                             &P->grid_spacing, NULL));
  PetscCall(PetscOptionsString("-positions", "Positions: uniform (in -extent) or file (-positions_file)", "", kind,
                               kind, sizeof(kind), &kset));
  PetscCall(PetscOptionsRealArray("-extent", "The box of the positions, W,H or W,H,D (um; periodic: the period)", "",
                                  P->extent, &ne, &eset));
  PetscCall(PetscOptionsString("-positions_file", "An HDF5 file of the positions (um)", "", P->pos_file, P->pos_file,
                               sizeof(P->pos_file), NULL));
  PetscCall(PetscStrncpy(P->pos_dataset, "positions", sizeof(P->pos_dataset)));
  PetscCall(PetscOptionsString("-positions_dataset", "Its dataset: size x 2 or size x 3 (um)", "", P->pos_dataset,
                               P->pos_dataset, sizeof(P->pos_dataset), NULL));
  PetscCall(PetscOptionsBool("-periodic", "Distances wrap over the extent (NEST's edge_wrap)", "", P->periodic,
                             &P->periodic, NULL));
  PetscOptionsEnd();
  PetscCheck(!kset || !strcmp(kind, "uniform") || !strcmp(kind, "file"), m->comm, PETSC_ERR_ARG_WRONG,
             "Option -%spositions must be uniform or file; got '%s'", prefix, kind);
  PetscCheck(!kset || !P->grid_rows, m->comm, PETSC_ERR_ARG_INCOMP,
             "Options -%spositions %s and -%sgrid_rows: a population has one kind of positions", prefix, kind, prefix);
  PetscCheck(!P->pos_file[0] || (kset && !strcmp(kind, "file")), m->comm, PETSC_ERR_ARG_INCOMP,
             "Option -%spositions_file needs -%spositions file", prefix, prefix);
  PetscCheck(!kset || strcmp(kind, "file") || P->pos_file[0], m->comm, PETSC_ERR_ARG_WRONG,
             "Option -%spositions file needs -%spositions_file", prefix, prefix);
  P->uniform = (PetscBool)(kset && !strcmp(kind, "uniform"));
  PetscCheck(!P->uniform || (eset && (ne == 2 || ne == 3)), m->comm, PETSC_ERR_ARG_WRONG,
             "Option -%spositions uniform needs -%sextent W,H or W,H,D (um)", prefix, prefix);
  PetscCheck(!P->periodic || P->grid_rows || eset, m->comm, PETSC_ERR_ARG_WRONG,
             "Option -%speriodic needs -%sextent (the period) for positions that are not on a grid", prefix, prefix);
  PetscCheck(!eset || ne == 2 || ne == 3, m->comm, PETSC_ERR_ARG_WRONG,
             "Option -%sextent takes W,H or W,H,D (um); got %" PetscInt_FMT " values", prefix, ne);
  PetscCheck(!eset || !P->grid_rows, m->comm, PETSC_ERR_ARG_INCOMP,
             "Option -%sextent: a grid's box is its columns and rows times -%sgrid_spacing", prefix, prefix);
  for (PetscInt a = 0; eset && a < ne; a++)
    PetscCheck(PetscIsNormalReal(P->extent[a]) && P->extent[a] > 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%sextent: every side must be positive and finite (um); got %.6g", prefix, (double)P->extent[a]);
  P->dim = P->grid_rows ? 2 : eset ? ne : 0; /* (a file's: its second dimension, when it is read) */
  if (P->grid_rows) {
    P->extent[0] = (double)((P->size + P->grid_rows - 1) / P->grid_rows) * P->grid_spacing;
    P->extent[1] = (double)P->grid_rows * P->grid_spacing;
  }
  if (!eset && !P->grid_rows) P->extent[0] = P->extent[1] = P->extent[2] = 0;
  PetscCheck(P->grid_rows >= 0 && P->grid_rows <= P->size && P->grid_spacing > 0 && PetscIsNormalReal(P->grid_spacing),
             m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Options -%sgrid_rows %" PetscInt_FMT " and -%sgrid_spacing %.6g: rows must lie in [0, %" PetscInt_FMT
             "] (the population's size; 0: no positions) and the spacing be positive",
             prefix, P->grid_rows, prefix, (double)P->grid_spacing, P->size);
  P->ntimes = set ? n : 0;
  cond      = (PetscBool)(P->type == NT_AEIF_COND_ALPHA || P->type == NT_COBA_LIF);
#define POSITIVE(x, what)                                                                                              \
  PetscCheck(PetscIsNormalReal(P->x) && P->x > 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,                                   \
             "Option -%s" #x " (" what ") must be positive; got %.6g", prefix, (double)P->x)
  POSITIVE(C_m, "capacitance");
  POSITIVE(tau_m, "membrane time constant");
  POSITIVE(tau_syn_ex, "synaptic time constant");
  POSITIVE(tau_syn_in, "synaptic time constant");
  if (cond) POSITIVE(g_L, "leak conductance");
  if (P->type == NT_AEIF_COND_ALPHA) POSITIVE(tau_w, "adaptation time constant");
#undef POSITIVE
  PetscCheck(P->t_ref >= 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -%st_ref must be non-negative; got %.6g", prefix,
             (double)P->t_ref);
  if (P->ntimed) {
    const double b = P->timed_dt / d->dt;
    PetscCheck(P->type == NT_COBA_LIF || P->type == NT_IZHIKEVICH || P->type == NT_AEIF_COND_ALPHA, m->comm,
               PETSC_ERR_ARG_INCOMP,
               "Option -%sI_e_timed: population %s is %s, whose I_e is part of its exact propagator; only coba_lif, "
               "izhikevich and aeif_cond_alpha take a timed I_e",
               prefix, P->name, NeuronTypes[P->type]);
    PetscCheck(b >= 1 - 1e-9 && PetscAbsReal(b - round(b)) < 1e-6 && b < 1e15, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%sI_e_timed_dt %.6g ms must be a whole number of steps of -stepper_dt %.6g ms", prefix,
               (double)P->timed_dt, (double)d->dt);
    P->timed_steps = (PetscInt64)round(b);
    for (PetscInt k = 0; k < P->ntimed; k++)
      PetscCheck(PetscIsNormalReal(P->timed[k] + 1), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "Option -%sI_e_timed: entry %" PetscInt_FMT " is %.6g, not a finite number", prefix, k,
                 (double)P->timed[k]);
  }
  if (P->type == NT_COBA_LIF)
    PetscCheck(P->tau_syn_ex > d->dt && P->tau_syn_in > d->dt && P->C_m / P->g_L > d->dt, m->comm,
               PETSC_ERR_ARG_OUTOFRANGE,
               "Population %s (coba_lif, forward Euler): tau_syn_ex %.6g, tau_syn_in %.6g and C_m / g_L %.6g ms must "
               "exceed -stepper_dt %.6g",
               P->name, (double)P->tau_syn_ex, (double)P->tau_syn_in, (double)(P->C_m / P->g_L), (double)d->dt);
  if (P->type == NT_IZHIKEVICH)
    PetscCheck(P->c < P->V_th, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Options -%sc %.6g and -%sV_th %.6g: the reset must lie below the threshold", prefix, (double)P->c,
               prefix, (double)P->V_th);
  else if (P->type == NT_AEIF_COND_ALPHA) {
    PetscCheck(P->V_reset < P->V_peak && P->V_th <= P->V_peak, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Options -%sV_reset %.6g, -%sV_th %.6g, -%sV_peak %.6g: V_reset < V_peak and V_th <= V_peak are needed",
               prefix, (double)P->V_reset, prefix, (double)P->V_th, prefix, (double)P->V_peak);
    PetscCheck(P->Delta_T >= 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -%sDelta_T must be non-negative; got %.6g",
               prefix, (double)P->Delta_T);
    PetscCheck(P->substeps >= 1 && P->substeps <= 1000, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%ssubsteps must be in [1, 1000]; got %" PetscInt_FMT, prefix, P->substeps);
  } else
    PetscCheck(P->V_reset < P->V_th, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Options -%sV_reset %.6g and -%sV_th %.6g: the reset must lie below the threshold", prefix,
               (double)P->V_reset, prefix, (double)P->V_th);
  PetscCheck(!P->V_random || (nu == 2 && P->V_uniform[0] < P->V_uniform[1]), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%sV_m_uniform needs two values lo,hi with lo < hi", prefix);
  PetscCheck(P->poisson_rate >= 0 && PetscIsNormalReal(P->poisson_rate + 1), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%spoisson_rate must be non-negative; got %.6g", prefix, (double)P->poisson_rate);
  if (!fset) P->spike_file[0] = 0;
  PetscCheck(P->type == NT_SPIKE_GENERATOR || !(set || fset), m->comm, PETSC_ERR_ARG_INCOMP,
             "Option -%s%s applies to type spike_generator, not %s", prefix, set ? "spike_times" : "spike_file",
             NeuronTypes[P->type]);
  PetscCheck(P->type != NT_SPIKE_GENERATOR || set != fset, m->comm, PETSC_ERR_ARG_WRONG,
             "Population %s of type spike_generator needs one of -%sspike_times and -%sspike_file", P->name, prefix,
             prefix);
  for (PetscInt q = 0; q < P->ntimes; q++) {
    const double s = P->times[q] / d->dt;
    PetscCheck(P->times[q] >= d->dt && (q == 0 || P->times[q] > P->times[q - 1]), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%sspike_times: times must increase and be at least one step (%.6g ms); entry %" PetscInt_FMT
               " is %.6g",
               prefix, (double)d->dt, q, (double)P->times[q]);
    PetscCheck(PetscAbsReal(s - round(s)) < 1e-6, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%sspike_times: %.6g ms is not on the grid of -stepper_dt %.6g", prefix, (double)P->times[q],
               (double)d->dt);
    P->steps[q] = (PetscInt64)round(s) - 1; /* fired in the step that ends at the time */
  }
  ref = (int64_t)round(P->t_ref / d->dt);
  SpikingPropagatorSet(&P->k, d->dt, P->C_m, P->tau_m, P->tau_syn_ex, P->tau_syn_in, P->E_L, P->V_th, P->V_reset,
                       P->I_e, ref);
  {
    AdexParams *A = &P->adex;
    A->C_m = P->C_m, A->g_L = P->g_L, A->E_L = P->E_L, A->V_th = P->V_th, A->Delta_T = P->Delta_T;
    A->tau_w = P->tau_w, A->a = P->a, A->b = P->b, A->V_reset = P->V_reset,
    A->V_peak = P->Delta_T > 0 ? P->V_peak : P->V_th;
    A->E_ex = P->E_ex, A->E_in = P->E_in, A->tau_ex = P->tau_syn_ex, A->tau_in = P->tau_syn_in, A->I_e = P->I_e;
    A->a0ex = M_E / P->tau_syn_ex, A->a0in = M_E / P->tau_syn_in;
    A->nsub = (int)P->substeps, A->h = d->dt / P->substeps, A->refractory = ref;
  }
  {
    IzhikevichParams *Z = &P->izh;
    Z->a = P->a, Z->b = P->b, Z->c = P->c, Z->d = P->dd, Z->I_e = P->I_e, Z->V_th = P->V_th, Z->V_min = P->V_min;
    Z->h = d->dt;
  }
  {
    CobaParams *B = &P->coba;
    B->hC = d->dt / P->C_m, B->g_L = P->g_L, B->E_L = P->E_L, B->E_ex = P->E_ex, B->E_in = P->E_in;
    B->fex = 1 - d->dt / P->tau_syn_ex, B->fin = 1 - d->dt / P->tau_syn_in, B->V_th = P->V_th;
    B->V_reset = P->V_reset, B->I_e = P->I_e, B->held = PetscMax(ref - 1, 0);
  }
  if (P->type == NT_ASTROCYTE_LR_1994) PetscCall(ReadAstrocyte(m, P, prefix));
  if (IS_GCHI(P)) PetscCall(ReadGchi(m, P, prefix));
  if (IS_ASTRO(P)) PetscCall(ReadCells(m, P, prefix));
  P->lambda = P->poisson_rate * d->dt / 1000.0;
  PetscCheck(P->lambda < 1e6, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%spoisson_rate %.6g Hz gives %.6g spikes per step; at most 1e6", prefix, (double)P->poisson_rate,
             P->lambda);
  PetscCall(PetscFree(P->cdf));
  P->kmax = SpikingPoissonTableSize(P->lambda);
  PetscCall(PetscMalloc1(P->kmax + 1, &P->cdf));
  SpikingPoissonTable(P->lambda, P->cdf);
  PetscCall(PetscFree(P->pos)); /* (uniform ones are drawn at set-up, from the network's seed) */
  if (P->pos_file[0]) PetscCall(ReadPositions(m, P, prefix));
  PetscFunctionReturn(0);
}

static int CompareFileEdges(const void *a, const void *b)
{
  const FileEdge *x = a, *y = b;
  if (x->tgt != y->tgt) return x->tgt < y->tgt ? -1 : 1;
  return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Every rank's rows, in their order: the rank of each natural id, when row is given its local row there, and
   when aidx is given its index among its rank's astrocytes (-1 for neurons).  O(N) on every rank, as the
   network is (issue 11). */
static PetscErrorCode RowOwners(TpModel m, PetscInt *owner, PetscInt *row, PetscInt *aidx)
{
  Spiking *d = m->data;
  PetscMPIInt size, *cnt, *dsp, nl = (PetscMPIInt)d->r.nloc;
  PetscInt *gid, *all;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(m->comm, &size));
  PetscCall(PetscMalloc4(nl + 1, &gid, d->r.N + 1, &all, size, &cnt, size + 1, &dsp));
  for (PetscInt i = 0; i < d->r.nloc; i++) gid[i] = TpRowGid(&d->r, i);
  PetscCallMPI(MPI_Allgather(&nl, 1, MPI_INT, cnt, 1, MPI_INT, m->comm));
  dsp[0] = 0;
  for (PetscMPIInt r = 0; r < size; r++) dsp[r + 1] = dsp[r] + cnt[r];
  PetscCallMPI(MPI_Allgatherv(gid, nl, MPIU_INT, all, cnt, dsp, MPIU_INT, m->comm));
  for (PetscMPIInt r = 0; r < size; r++)
    for (PetscMPIInt k = dsp[r], a = 0; k < dsp[r + 1]; k++) {
      owner[all[k]] = r;
      if (row) row[all[k]] = k - dsp[r];
      if (aidx) aidx[all[k]] = IS_ASTRO(&d->pop[PopOf(d, all[k])]) ? a++ : -1;
    }
  PetscCall(PetscFree4(gid, all, cnt, dsp));
  PetscFunctionReturn(0);
}

/* n edges of projection J (tgt: the target's natural id) to their targets' ranks, added to J->fe there,
   which ends up by target (its local row), then idx.  Collective. */
static PetscErrorCode RouteEdges(TpModel m, Projection *J, const FileEdge *e, PetscInt64 n, const char *what)
{
  Spiking *d       = m->data;
  const PetscInt N = d->r.N;
  PetscMPIInt size, *sc, *rc, *sd, *rd, *at;
  PetscInt *owner;
  FileEdge *out;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(m->comm, &size));
  PetscCall(PetscMalloc1(N, &owner));
  PetscCall(RowOwners(m, owner, NULL, NULL));
  PetscCall(PetscMalloc5(size, &sc, size, &rc, size + 1, &sd, size + 1, &rd, size, &at));
  PetscCall(PetscArrayzero(sc, size));
  for (PetscInt64 k = 0; k < n; k++) sc[owner[e[k].tgt]]++;
  PetscCallMPI(MPI_Alltoall(sc, 1, MPI_INT, rc, 1, MPI_INT, m->comm));
  sd[0] = rd[0] = 0;
  for (PetscMPIInt r = 0; r < size; r++) {
    PetscCheck((double)sd[r] + sc[r] < 2e9 / sizeof(FileEdge) &&
                   (double)rd[r] + rc[r] + J->nfe < 2e9 / sizeof(FileEdge),
               PETSC_COMM_SELF, PETSC_ERR_SUP, "%s: too many edges per rank in one exchange; use more ranks", what);
    sd[r + 1] = sd[r] + sc[r];
    rd[r + 1] = rd[r] + rc[r];
  }
  PetscCall(PetscMalloc1(sd[size] + 1, &out));
  PetscCall(PetscArraycpy(at, sd, size));
  for (PetscInt64 k = 0; k < n; k++) out[at[owner[e[k].tgt]]++] = e[k];
  PetscCall(PetscRealloc(sizeof(FileEdge) * (size_t)(J->nfe + rd[size] + 1), &J->fe));
  for (PetscMPIInt r = 0; r <= size; r++)
    sd[r] *= (PetscMPIInt)sizeof(FileEdge), rd[r] *= (PetscMPIInt)sizeof(FileEdge);
  for (PetscMPIInt r = 0; r < size; r++) sc[r] *= (PetscMPIInt)sizeof(FileEdge), rc[r] *= (PetscMPIInt)sizeof(FileEdge);
  PetscCallMPI(MPI_Alltoallv(out, sc, sd, MPI_BYTE, J->fe + J->nfe, rc, rd, MPI_BYTE, m->comm));
  {
    const PetscInt64 got = rd[size] / (PetscMPIInt)sizeof(FileEdge);
    for (PetscInt i = 0; i < d->r.nloc; i++) owner[TpRowGid(&d->r, i)] = i; /* now the local rows */
    for (PetscInt64 k = J->nfe; k < J->nfe + got; k++) J->fe[k].tgt = owner[J->fe[k].tgt];
    J->nfe += got;
  }
  qsort(J->fe, (size_t)J->nfe, sizeof(FileEdge), CompareFileEdges);
  PetscCall(PetscFree(out));
  PetscCall(PetscFree5(sc, rc, sd, rd, at));
  PetscCall(PetscFree(owner));
  PetscFunctionReturn(0);
}

/* A -rule file projection's edges, SONATA style: /edges/<group>/source_node_id and target_node_id
   (ids within the source and target populations) and, optionally, 0/syn_weight and 0/delay (ms; the
   projection's -weight and -delay where absent).  Each rank reads a slice of the file and sends each
   edge to its target's rank; nothing is held whole anywhere. */
static PetscErrorCode ReadEdgeFile(TpModel m, Projection *J)
{
  Spiking *d          = m->data;
  const Population *S = &d->pop[J->src], *T = &d->pop[J->tgt];
  char opt[112], path[4][128];
  const char *leaf[4] = {"source_node_id", "target_node_id", "0/syn_weight", "0/delay"};
  hid_t f             = -1, fapl;
  int nd;
  hsize_t dims[2];
  PetscBool has[4] = {PETSC_TRUE, PETSC_TRUE, PETSC_FALSE, PETSC_FALSE}, ok = PETSC_TRUE;
  long long E = -1, n, off, bad[2] = {-1, 0}; /* the first bad entry (global) and what is wrong with it */
  PetscMPIInt size, rank;
  uint64_t *src = NULL, *tgt = NULL;
  double *w = NULL, *dl = NULL, val = 0;
  FileEdge *out;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(m->comm, &size));
  PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
  PetscCall(PetscSNPrintf(opt, sizeof(opt), "-%s%s_file", m->prefix, J->name));
  for (int k = 0; k < 4; k++) PetscCall(PetscSNPrintf(path[k], sizeof(path[k]), "edges/%s/%s", J->fgroup, leaf[k]));
  PetscCallH5(fapl = H5Pcreate(H5P_FILE_ACCESS));
  PetscCallH5(H5Pset_fapl_mpio(fapl, m->comm, MPI_INFO_NULL));
  PetscCall(OpenOptionFile(m, J->file, fapl, "edge file", opt, &f));
  H5Pclose(fapl);
  for (int k = 0; k < 4; k++) {
    if (k >= 2) has[k] = TpH5GetExtent(f, path[k], &nd, dims);
    if (!has[k]) continue;
    if (!TpH5GetExtent(f, path[k], &nd, dims) || nd != 1 || (E >= 0 && (long long)dims[0] != E)) {
      H5Fclose(f);
      SETERRQ(m->comm, PETSC_ERR_FILE_UNEXPECTED,
              "Option %s: '%s' has no 1-D /%s of one length with /%s (SONATA edges; -%s%s_file_group)", opt, J->file,
              path[k], path[0], m->prefix, J->name);
    }
    E = (long long)dims[0];
  }
  n   = E * (rank + 1) / size - E * rank / size;
  off = E * rank / size;
  PetscCall(PetscMalloc4(n + 1, &src, n + 1, &tgt, n + 1, &w, n + 1, &dl));
  for (int k = 0; k < 4 && ok; k++) {
    void *buf = k == 0 ? (void *)src : k == 1 ? (void *)tgt : k == 2 ? (void *)w : (void *)dl;
    if (has[k])
      PetscCall(
          TpH5ReadDistributed(m->comm, f, path[k], k < 2 ? H5T_NATIVE_UINT64 : H5T_NATIVE_DOUBLE, n, 0, E, buf, &ok));
  }
  H5Fclose(f);
  PetscCheck(ok, m->comm, PETSC_ERR_FILE_READ, "Option %s: cannot read the edges of '%s'", opt, J->file);
  /* check every entry; the first bad one (in the file) is named on every rank */
  for (long long e = 0; e < n; e++) {
    const double x = has[3] ? dl[e] / d->dt : (double)J->dsteps;
    int what       = 0;
    if (src[e] >= (uint64_t)S->size)
      what = 1, val = (double)src[e];
    else if (tgt[e] >= (uint64_t)T->size)
      what = 2, val = (double)tgt[e];
    else if (has[2] && !(PetscIsNormalReal(w[e]) || w[e] == 0))
      what = 3, val = w[e];
    else if (has[3] && !(x >= 1 - 1e-9 && x < 65535))
      what = 4, val = dl[e];
    if (what) {
      bad[0] = off + e, bad[1] = what;
      break;
    }
  }
  {
    long long first = bad[0] < 0 ? LLONG_MAX : bad[0];
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_LONG_LONG, MPI_MIN, m->comm));
    if (first != LLONG_MAX) {
      const char *what[] = {"", "source_node_id", "target_node_id", "0/syn_weight", "0/delay"};
      const char *rule[] = {"", "an id below the size of population", "an id below the size of population",
                            "a finite weight", "a delay of one step (-stepper_dt) to 65535 steps"};
      double v[2]        = {first == bad[0] ? (double)bad[1] : 0, first == bad[0] ? val : 0};
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_DOUBLE, MPI_SUM, m->comm));
      PetscCall(PetscFree4(src, tgt, w, dl));
      SETERRQ(m->comm, PETSC_ERR_FILE_UNEXPECTED, "Option %s: entry %lld of /edges/%s/%s in '%s' is %.17g, not %s %s",
              opt, first, J->fgroup, what[(int)v[0]], J->file, v[1], rule[(int)v[0]],
              v[0] == 1   ? S->name
              : v[0] == 2 ? T->name
                          : "");
    }
  }
  /* to the targets' ranks; their fingerprint, a sum over entries (the same on any number of ranks) */
  PetscCall(PetscMalloc1(n + 1, &out));
  J->fhash = 0;
  for (long long e = 0; e < n; e++) {
    FileEdge *x = &out[e];
    uint64_t wb;
    x->tgt = T->first + (PetscInt64)tgt[e], x->src = S->first + (PetscInt64)src[e], x->idx = off + e;
    x->w  = has[2] ? w[e] : J->weight;
    x->ds = has[3] ? (PetscInt64)round(dl[e] / d->dt) : J->dsteps;
    memcpy(&wb, &x->w, sizeof(wb));
    J->fhash += TpHash((uint64_t)x->idx, (uint64_t)x->src, (uint64_t)x->tgt, wb ^ TpMix64((uint64_t)x->ds));
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &J->fhash, 1, MPI_UINT64_T, MPI_SUM, m->comm));
  PetscCall(PetscFree4(src, tgt, w, dl));
  PetscCall(RouteEdges(m, J, out, n, opt));
  PetscCall(PetscFree(out));
  {
    PetscInt lo = PETSC_MAX_INT, hi = 0;
    for (PetscInt64 e = 0; e < J->nfe; e++) {
      lo = PetscMin(lo, (PetscInt)J->fe[e].ds);
      hi = PetscMax(hi, (PetscInt)J->fe[e].ds);
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPIU_INT, MPI_MIN, m->comm));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPIU_INT, MPI_MAX, m->comm));
    if (E > 0) J->dmin = lo, J->dmax = hi;
  }
  PetscFunctionReturn(0);
}

/* A pool map (-pool_type map): the int64 /astrocyte of -pool_file, one entry per target of J, each an
   index in J's third population or -1 (none); every rank reads it all. */
static PetscErrorCode ReadPoolFile(TpModel m, Projection *J, const char *prefix)
{
  const Spiking *d    = m->data;
  const Population *T = &d->pop[J->tgt], *A = &d->pop[J->third];
  char opt[112];
  hid_t f = -1;
  int nd;
  hsize_t dims[2];
  PetscBool ok;
  long long bad = -1;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(opt, sizeof(opt), "-%spool_file", prefix));
  PetscCall(OpenOptionFile(m, J->pool_file, H5P_DEFAULT, "pool file", opt, &f));
  ok = (PetscBool)(TpH5GetExtent(f, "astrocyte", &nd, dims) && nd == 1 && dims[0] == (hsize_t)T->size);
  if (ok) {
    PetscCall(PetscMalloc1(T->size + 1, &J->pool_map));
    ok = (PetscBool)TpH5ReadWhole(f, "astrocyte", H5T_NATIVE_INT64, J->pool_map, T->size);
  }
  H5Fclose(f);
  PetscCheck(ok, m->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Option %s: '%s' needs a readable 1-D integer /astrocyte of %" PetscInt_FMT
             " entries (one per neuron of %s)",
             opt, J->pool_file, T->size, T->name);
  for (PetscInt t = 0; t < T->size && bad < 0; t++)
    if (J->pool_map[t] < -1 || J->pool_map[t] >= A->size) bad = t;
  PetscCheck(bad < 0, m->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Option %s: /astrocyte of '%s', entry %lld is %lld; it must be -1 (none) or an astrocyte of %s (0 .. "
             "%" PetscInt_FMT ")",
             opt, J->pool_file, bad, bad >= 0 ? (long long)J->pool_map[bad] : 0, A->name, A->size - 1);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadProjection(TpModel m, Projection *J)
{
  Spiking *d = m->data;
  char prefix[96];
  const Population *S = &d->pop[J->src], *T = &d->pop[J->tgt];
  double s;
  PetscBool fset, rwset, pset;
  char rw[1024] = "";

  PetscFunctionBegin;
  J->syn = SYN_STATIC;
  J->U_0 = 0.6, J->tau_fac = 1000 / 3.33, J->tau_rec = 500; /* Stimberg et al. (2018) */
  PetscCall(PetscSNPrintf(prefix, sizeof(prefix), "%s%s_", m->prefix, J->name));
  PetscOptionsBegin(m->comm, prefix, "Spiking network (M4): a projection", "TpModel");
  PetscCall(PetscOptionsEnum("-rule", "Connection rule", "", Rules, (PetscEnum)J->rule, (PetscEnum *)&J->rule, NULL));
  PetscCall(
      PetscOptionsInt("-indegree", "fixed_indegree: synapses onto each target", "", J->indegree, &J->indegree, NULL));
  PetscCall(PetscOptionsReal("-p", "pairwise_bernoulli: probability of each pair (distance: of each pair in range, 1)",
                             "", J->p, &J->p, &pset));
  J->radius = 0, J->kernel = KERNEL_CONSTANT, J->sigma = 0;
  PetscCall(PetscOptionsReal("-radius",
                             "distance: connect the sources closer than this to the target (um; positions from the "
                             "populations' -grid_rows and -grid_spacing, -positions)",
                             "", J->radius, &J->radius, NULL));
  PetscCall(PetscOptionsEnum("-kernel",
                             "distance: each source in range kept with probability p times this of its distance", "",
                             Kernels, (PetscEnum)J->kernel, (PetscEnum *)&J->kernel, NULL));
  PetscCall(PetscOptionsReal("-sigma",
                             "distance: the kernel's width (um): gaussian's standard deviation, exponential's scale",
                             "", J->sigma, &J->sigma, NULL));
  PetscCall(
      PetscOptionsReal("-weight", "Weight (mV delta, pA exp; negative: inhibitory)", "", J->weight, &J->weight, NULL));
  PetscCall(PetscOptionsReal("-delay", "Delay (ms), at least one step", "", J->delay, &J->delay, NULL));
  PetscCall(PetscOptionsBool("-autapses", "Allow a neuron to connect to itself", "", J->autapses, &J->autapses, NULL));
  PetscCall(
      PetscOptionsBool("-multapses", "fixed_indegree: allow repeated pairs", "", J->multapses, &J->multapses, NULL));
  PetscCall(
      PetscOptionsEnum("-synapse", "Synapse type", "", SynapseTypes, (PetscEnum)J->syn, (PetscEnum *)&J->syn, NULL));
  PetscCall(PetscOptionsReal("-U_0", "tsodyks_markram: release increment at rest", "", J->U_0, &J->U_0, NULL));
  PetscCall(PetscOptionsReal("-tau_fac", "tsodyks_markram: facilitation time constant (ms; 0: none)", "", J->tau_fac,
                             &J->tau_fac, NULL));
  PetscCall(
      PetscOptionsReal("-tau_rec", "tsodyks_markram: recovery time constant (ms)", "", J->tau_rec, &J->tau_rec, NULL));
  J->glio = PETSC_FALSE, J->glio_alpha = 0;
  PetscCall(PetscOptionsReal("-glio_alpha",
                             "tsodyks_markram with -third astrocyte_gchi: gliotransmission, U_0 = (1 - Gamma_S) U_0 + "
                             "glio_alpha Gamma_S with the Gamma_S of each synapse's astrocyte (Brian2's alpha; 0: "
                             "release-decreasing)",
                             "", J->glio_alpha, &J->glio_alpha, &J->glio));
  PetscCall(PetscStrncpy(J->fgroup, J->name, sizeof(J->fgroup)));
  PetscCall(PetscOptionsString("-file",
                               "file: SONATA edges (/edges/<group>/source_node_id, target_node_id, 0/syn_weight, "
                               "0/delay)",
                               "", J->file, J->file, sizeof(J->file), &fset));
  PetscCall(PetscOptionsString("-file_group", "file: the edge population (default the projection's name)", "",
                               J->fgroup, J->fgroup, sizeof(J->fgroup), NULL));
  {
    const char *const fluxes[] = {"linear", "threshold", "GapFlux", "GAP_", NULL};
    PetscEnum flux             = (PetscEnum)1;
    J->gap.I_theta = 0.3, J->gap.omega_I = 0.05, J->symmetric = PETSC_FALSE; /* Stimberg et al. (2018) */
    PetscCall(PetscOptionsEnum("-gap_flux",
                               "gap_junction: IP3 flux F (J - I), or Brian2's thresholded "
                               "-F/2 (1 + tanh((|I - J| - I_theta)/omega_I)) sign(I - J) (F: the weight)",
                               "", fluxes, flux, &flux, NULL));
    J->gap.threshold = (int)flux;
    PetscCall(PetscOptionsReal("-I_theta", "gap_junction threshold: IP3 difference of half flux (uM)", "",
                               J->gap.I_theta, &J->gap.I_theta, NULL));
    PetscCall(PetscOptionsReal("-omega_I", "gap_junction threshold: width of the transition (uM)", "", J->gap.omega_I,
                               &J->gap.omega_I, NULL));
    PetscCall(PetscOptionsBool("-symmetric", "gap_junction: each drawn pair also couples back", "", J->symmetric,
                               &J->symmetric, NULL));
  }
  PetscCall(PetscOptionsString("-record_weights",
                               "STDP: synapses SOURCE:TARGET,... (ids within the populations) whose weight is a series",
                               "", rw, rw, sizeof(rw), &rwset));
  PetscOptionsEnd();
  if (rwset) { /* the first synapse of each pair (found once the wiring is made) */
    char *item = rw, *next;
    PetscCheck(
        IS_STDP(J), m->comm, PETSC_ERR_ARG_INCOMP,
        "Option -%srecord_weights: synapse %s keeps the weight it starts with (-%sweight); only STDP ones change",
        prefix, SynapseTypes[J->syn], prefix);
    for (; item && *item; item = next) {
      long long a, b;
      int used = 0;
      next     = strchr(item, ',');
      if (next) *next++ = 0;
      PetscCheck(sscanf(item, "%lld:%lld%n", &a, &b, &used) == 2 && !item[used], m->comm, PETSC_ERR_ARG_WRONG,
                 "Option -%srecord_weights: '%s' is not SOURCE:TARGET", prefix, item);
      PetscCheck(a >= 0 && a < S->size && b >= 0 && b < T->size, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "Option -%srecord_weights: %lld:%lld lies outside %s (%" PetscInt_FMT ") or %s (%" PetscInt_FMT ")",
                 prefix, a, b, S->name, S->size, T->name, T->size);
      PetscCheck(d->nrw < SPIKING_MAX_REC, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "Option -%srecord_weights: more than %d recorded weights in all", prefix, SPIKING_MAX_REC);
      d->rwsrc[d->nrw] = S->first + (PetscInt)a, d->rwtgt[d->nrw++] = T->first + (PetscInt)b;
    }
  }
  PetscCheck(!fset || J->rule == RULE_FILE, m->comm, PETSC_ERR_ARG_WRONG,
             "Option -%sfile applies to -%srule file, not %s", prefix, prefix, Rules[J->rule]);
  PetscCheck(J->rule != RULE_FILE || (fset && J->file[0]), m->comm, PETSC_ERR_ARG_WRONG,
             "Option -%srule file needs -%sfile, the HDF5 file of its edges", prefix, prefix);
  PetscCheck(!HAS_EDGES(J) || !IS_STDP(J), m->comm, PETSC_ERR_SUP,
             "Option -%ssynapse %s: a -rule %s projection takes static or tsodyks_markram synapses", prefix,
             SynapseTypes[J->syn], Rules[J->rule]);
  {
    char third[32] = "", pool[16] = "random";
    PetscBool tset, mset;
    J->third = -1, J->p_third = 1, J->pool_block = J->pool_synapse = J->pool_nearest = PETSC_FALSE, J->pool_size = -1;
    J->pool_file[0] = 0;
    PetscOptionsBegin(m->comm, prefix, "Spiking network (M4): a tripartite projection", "TpModel");
    PetscCall(PetscOptionsString("-third",
                                 "Tripartite: the astrocyte population each synapse may pair with "
                                 "(NEST's third_factor_bernoulli_with_pool)",
                                 "", third, third, sizeof(third), &tset));
    PetscCall(PetscOptionsReal("-p_third", "Tripartite: probability that a synapse gets an astrocyte", "", J->p_third,
                               &J->p_third, NULL));
    PetscCall(PetscOptionsString("-pool_type", "Tripartite: random, block, map, synapse or nearest", "", pool, pool,
                                 sizeof(pool), NULL));
    PetscCall(PetscOptionsString("-pool_file",
                                 "Tripartite, pool_type map: HDF5 file whose int64 /astrocyte gives each target's "
                                 "astrocyte (index in the third population; -1: none)",
                                 "", J->pool_file, J->pool_file, sizeof(J->pool_file), &mset));
    PetscCall(PetscOptionsInt("-pool_size", "Tripartite: astrocytes in each target's pool (default all)", "",
                              J->pool_size, &J->pool_size, NULL));
    PetscOptionsEnd();
    if (tset) {
      char topt[112];
      PetscCall(PetscSNPrintf(topt, sizeof(topt), "-%sthird", prefix));
      PetscCall(FindPop(m, third, topt, third, &J->third));
      PetscCheck(IS_ASTRO(&d->pop[J->third]) && !IS_ASTRO(S) && !IS_ASTRO(T) && J->rule != RULE_THIRD, m->comm,
                 PETSC_ERR_ARG_INCOMP,
                 "Option -%sthird %s: a tripartite projection joins neurons (not astrocytes) and names a population "
                 "of astrocytes (astrocyte_lr_1994 or astrocyte_gchi)",
                 prefix, third);
      PetscCheck(!strcmp(pool, "random") || !strcmp(pool, "block") || !strcmp(pool, "map") ||
                     !strcmp(pool, "synapse") || !strcmp(pool, "nearest"),
                 m->comm, PETSC_ERR_ARG_WRONG,
                 "Option -%spool_type %s: pool_type must be 'random', 'block', 'map', 'synapse' or 'nearest'", prefix,
                 pool);
      J->pool_nearest = (PetscBool)!strcmp(pool, "nearest");
      if (J->pool_nearest) {
        const Population *A = &d->pop[J->third];
        PetscCheck(J->pool_size < 0 || J->pool_size == 1, m->comm, PETSC_ERR_ARG_INCOMP,
                   "Option -%spool_size %" PetscInt_FMT ": pool_type nearest gives each target one astrocyte", prefix,
                   J->pool_size);
        PetscCheck(T->dim && A->dim == T->dim, m->comm, PETSC_ERR_ARG_INCOMP,
                   "Option -%spool_type nearest: the targets (%s) and the astrocytes (%s) need positions of one "
                   "dimension (-spiking_<P>_grid_rows, _positions uniform or file); they have %" PetscInt_FMT
                   " and %" PetscInt_FMT,
                   prefix, T->name, A->name, T->dim, A->dim);
        J->pool_size = 1;
      }
      J->pool_block   = (PetscBool)!strcmp(pool, "block");
      J->pool_synapse = (PetscBool)!strcmp(pool, "synapse");
      if (J->pool_synapse) { /* (the sizes are checked once the synapses are drawn) */
        PetscCheck(J->pool_size < 0 || J->pool_size == 1, m->comm, PETSC_ERR_ARG_INCOMP,
                   "Option -%spool_size %" PetscInt_FMT ": pool_type synapse gives each synapse its own astrocyte",
                   prefix, J->pool_size);
        PetscCheck(J->p_third == 1, m->comm, PETSC_ERR_ARG_INCOMP,
                   "Option -%sp_third %.6g: pool_type synapse gives every synapse its own astrocyte (a compartment of "
                   "an astrocyte with processes); p_third must be 1",
                   prefix, (double)J->p_third);
        J->pool_size = 1;
      }
      PetscCheck((!strcmp(pool, "map")) == (mset && J->pool_file[0]), m->comm, PETSC_ERR_ARG_WRONG,
                 "Option -%spool_file goes with -%spool_type map (each target's astrocyte from a file); pool_type is "
                 "%s and pool_file '%s'",
                 prefix, prefix, pool, mset ? J->pool_file : "");
      if (!strcmp(pool, "map")) {
        PetscCheck(J->pool_size < 0 || J->pool_size == 1, m->comm, PETSC_ERR_ARG_INCOMP,
                   "Option -%spool_size %" PetscInt_FMT ": a pool map gives each target one astrocyte", prefix,
                   J->pool_size);
        J->pool_size = 1;
        PetscCall(ReadPoolFile(m, J, prefix));
      }
      if (J->pool_size < 0) J->pool_size = d->pop[J->third].size;
      PetscCheck(!J->glio || IS_GCHI(&d->pop[J->third]), m->comm, PETSC_ERR_ARG_INCOMP,
                 "Option -%sglio_alpha: gliotransmission comes from astrocyte_gchi astrocytes; -%sthird %s is %s",
                 prefix, prefix, third, NeuronTypes[d->pop[J->third].type]);
      PetscCheck(J->p_third >= 0 && J->p_third <= 1, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "Option -%sp_third %.6g: conditional probability of third-factor connection 0 <= p_third_if_primary "
                 "<= 1 required",
                 prefix, (double)J->p_third);
      PetscCheck(J->pool_size >= 1 && J->pool_size <= d->pop[J->third].size, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "Option -%spool_size %" PetscInt_FMT
                 ": pool size 1 <= pool_size <= size of third-factor population (%" PetscInt_FMT ") required",
                 prefix, J->pool_size, d->pop[J->third].size);
      PetscCheck(!J->pool_block || (double)T->size * J->pool_size == (double)d->pop[J->third].size ||
                     (J->pool_size == 1 && T->size % d->pop[J->third].size == 0),
                 m->comm, PETSC_ERR_ARG_INCOMP,
                 "Options -%spool_type block -%spool_size %" PetscInt_FMT ": the sizes of target (%" PetscInt_FMT
                 ") and third-factor (%" PetscInt_FMT
                 ") populations and the chosen pool size do not fit. If pool_size == 1, the target population size "
                 "must be a multiple of the third-factor population size. For pool_size > 1, size(targets) * "
                 "pool_size == size(third factor) is required. For all other cases, use random pools.",
                 prefix, prefix, J->pool_size, T->size, d->pop[J->third].size);
    }
  }
  if (IS_STDP(J)) { /* NEST's stdp_synapse defaults; mu 0 for the additive rule and the gated one */
    StdpParams *P = &J->stdp;
    char gate[32] = "";
    PetscBool gset;
    P->tau_plus = 20, P->tau_minus = 20, P->lambda = 0.01, P->alpha = 1, P->W_max = 100;
    P->mu_plus = P->mu_minus = J->syn == SYN_STDP_MULTIPLICATIVE ? 1 : 0;
    J->gate = -1, J->tau_c = 1000, J->eta = 1; /* tau_c as NEST's stdp_dopamine_synapse */
    PetscOptionsBegin(m->comm, prefix, "Spiking network (M4): a projection's STDP", "TpModel");
    PetscCall(PetscOptionsReal("-tau_plus", "STDP: presynaptic trace time constant (ms)", "", P->tau_plus, &P->tau_plus,
                               NULL));
    PetscCall(PetscOptionsReal("-tau_minus", "STDP: postsynaptic trace time constant (ms)", "", P->tau_minus,
                               &P->tau_minus, NULL));
    PetscCall(PetscOptionsReal("-lambda", "STDP: learning rate", "", P->lambda, &P->lambda, NULL));
    PetscCall(PetscOptionsReal("-alpha", "STDP: depression over potentiation", "", P->alpha, &P->alpha, NULL));
    PetscCall(PetscOptionsReal("-mu_plus", "STDP: weight dependence of potentiation (0 additive, 1 multiplicative)", "",
                               P->mu_plus, &P->mu_plus, NULL));
    PetscCall(
        PetscOptionsReal("-mu_minus", "STDP: weight dependence of depression", "", P->mu_minus, &P->mu_minus, NULL));
    PetscCall(PetscOptionsReal("-W_max", "STDP: the largest weight", "", P->W_max, &P->W_max, NULL));
    PetscCall(PetscOptionsString("-gate", "stdp_gated: the population whose spikes write the eligibility into w", "",
                                 gate, gate, sizeof(gate), &gset));
    PetscCall(PetscOptionsReal("-tau_c", "stdp_gated: eligibility time constant (ms)", "", J->tau_c, &J->tau_c, NULL));
    PetscCall(PetscOptionsReal("-eta", "stdp_gated: w += eta c at each gating spike", "", J->eta, &J->eta, NULL));
    PetscOptionsEnd();
    PetscCheck(!gset || IS_GATED(J), m->comm, PETSC_ERR_ARG_WRONG,
               "Option -%sgate %s applies to synapse stdp_gated, not %s", prefix, gate, SynapseTypes[J->syn]);
    for (PetscInt q = 0; q < d->npop && gset; q++)
      if (!strcmp(d->pop[q].name, gate)) J->gate = q;
    PetscCheck(!IS_GATED(J) || gset, m->comm, PETSC_ERR_ARG_WRONG,
               "Synapse stdp_gated of projection %s needs -%sgate, the population whose spikes gate it", J->name,
               prefix);
    PetscCheck(!gset || J->gate >= 0, m->comm, PETSC_ERR_ARG_WRONG, "Option -%sgate %s: no such population", prefix,
               gate);
    PetscCheck(!IS_GATED(J) || (J->tau_c > 0 && PetscIsNormalReal(J->tau_c) && !PetscIsInfOrNanReal(J->eta)), m->comm,
               PETSC_ERR_ARG_OUTOFRANGE, "Options -%stau_c %.6g and -%seta %.6g: tau_c must be positive, eta finite",
               prefix, (double)J->tau_c, prefix, (double)J->eta);
    PetscCheck(P->tau_plus > 0 && P->tau_minus > 0 && P->lambda >= 0 && P->alpha >= 0 && P->mu_plus >= 0 &&
                   P->mu_minus >= 0 && PetscIsNormalReal(P->W_max) && P->W_max > 0,
               m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Options -%stau_plus, _tau_minus, _W_max must be positive and _lambda, _alpha, _mu_plus, _mu_minus "
               "non-negative",
               prefix);
    PetscCheck(J->weight >= 0 && J->weight <= P->W_max, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%sweight %.6g: an STDP synapse's weight must lie in [0, W_max = %.6g] (excitatory; -%sW_max)",
               prefix, (double)J->weight, (double)P->W_max, prefix);
  }
  PetscCheck(!J->glio || (J->third >= 0 && J->syn == SYN_TSODYKS_MARKRAM && J->rule != RULE_FILE), m->comm,
             PETSC_ERR_ARG_INCOMP,
             "Option -%sglio_alpha: gliotransmission modulates the tsodyks_markram synapses of a tripartite projection "
             "(-%sthird, a rule other than file); this one is %s with rule %s%s",
             prefix, prefix, SynapseTypes[J->syn], Rules[J->rule], J->third < 0 ? " and no -third" : "");
  PetscCheck(!J->glio || (J->glio_alpha >= 0 && J->glio_alpha <= 1), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%sglio_alpha must lie in [0, 1] (a release increment); got %.6g", prefix, (double)J->glio_alpha);
  if (J->syn == SYN_TSODYKS_MARKRAM) {
    PetscCheck(J->U_0 > 0 && J->U_0 <= 1, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%sU_0 must lie in (0, 1]; got %.6g", prefix, (double)J->U_0);
    PetscCheck(J->tau_fac >= 0 && PetscIsNormalReal(J->tau_fac + 1), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%stau_fac must be non-negative; got %.6g", prefix, (double)J->tau_fac);
    PetscCheck(J->tau_rec > 0 && PetscIsNormalReal(J->tau_rec), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%stau_rec must be positive; got %.6g", prefix, (double)J->tau_rec);
  }
  PetscCheck(d->pop[J->tgt].type != NT_SPIKE_GENERATOR, m->comm, PETSC_ERR_ARG_WRONG,
             "Projection %s targets population %s, a spike_generator, which takes no input", J->name, T->name);
  PetscCheck(PetscIsNormalReal(J->weight) || J->weight == 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%sweight must be a finite number; got %.6g", prefix, (double)J->weight);
  if (IS_GAP(J)) {
    PetscCheck(IS_ASTRO(S) && IS_ASTRO(T), m->comm, PETSC_ERR_ARG_INCOMP,
               "Option -%ssynapse gap_junction couples astrocytes; %s is %s and %s is %s", prefix, S->name,
               NeuronTypes[S->type], T->name, NeuronTypes[T->type]);
    PetscCheck(J->rule != RULE_THIRD, m->comm, PETSC_ERR_ARG_INCOMP,
               "Option -%ssynapse gap_junction: gap junctions are not made by -rule third", prefix);
    PetscCheck(J->weight >= 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%sweight %.6g: a gap junction's permeability F must be non-negative", prefix,
               (double)J->weight);
    PetscCheck(PetscIsNormalReal(J->gap.omega_I) && J->gap.omega_I > 0 && J->gap.I_theta >= 0 &&
                   PetscIsNormalReal(J->gap.I_theta + 1),
               m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Options -%somega_I %.6g and -%sI_theta %.6g: omega_I must be positive, I_theta non-negative", prefix,
               (double)J->gap.omega_I, prefix, (double)J->gap.I_theta);
    J->gap.F = J->weight;
  } else if (IS_GCHI(S)) {
    SETERRQ(m->comm, PETSC_ERR_ARG_INCOMP,
            "Projection %s: astrocyte_gchi astrocytes send no slow inward current (their gliotransmitter acts on "
            "the synapses they cover: -<projection>_glio_alpha); only gap_junction projections leave them",
            J->name);
  } else if (IS_ASTRO(S)) { /* NEST's sic_connection */
    PetscCheck(T->type == NT_AEIF_COND_ALPHA, m->comm, PETSC_ERR_ARG_INCOMP,
               "Projection %s: astrocytes send a slow inward current, which only aeif_cond_alpha takes (NEST's "
               "aeif_cond_alpha_astro); population %s is %s",
               J->name, T->name, NeuronTypes[T->type]);
    PetscCheck(J->syn == SYN_STATIC, m->comm, PETSC_ERR_ARG_INCOMP,
               "Option -%ssynapse %s: a projection from astrocytes carries their slow inward current; it takes static "
               "synapses",
               prefix, SynapseTypes[J->syn]);
  }
  if (IS_ASTRO(T) && !IS_GAP(J)) {
    PetscCheck(J->syn == SYN_STATIC || J->syn == SYN_TSODYKS_MARKRAM, m->comm, PETSC_ERR_ARG_INCOMP,
               "Option -%ssynapse %s: synapses onto astrocytes are static or tsodyks_markram", prefix,
               SynapseTypes[J->syn]);
    PetscCheck(J->weight >= 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%sweight %.6g: %s cannot take spikes with negative weights (as NEST)", prefix,
               (double)J->weight, NeuronTypes[T->type]);
  }
  s = J->delay / d->dt;
  PetscCheck(J->delay >= d->dt * (1 - 1e-9), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%sdelay %.6g ms is below one step (-stepper_dt %.6g)", prefix, (double)J->delay, (double)d->dt);
  PetscCheck(s < 65535, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -%sdelay %.6g ms is more than 65535 steps", prefix,
             (double)J->delay);
  J->dsteps = (PetscInt)round(s);
  J->dmin = J->dmax = J->dsteps;
  if (J->rule == RULE_FILE) PetscCall(ReadEdgeFile(m, J));
  if (J->rule == RULE_FILE && IS_ASTRO(T)) {
    PetscInt64 bad = INT64_MAX;
    for (PetscInt64 e = 0; e < J->nfe; e++)
      if (J->fe[e].w < 0) bad = PetscMin(bad, J->fe[e].idx);
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT64, MPI_MIN, m->comm));
    PetscCheck(bad == INT64_MAX, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "File %s, dataset /edges/%s/0/syn_weight: entry %" PetscInt64_FMT
               " is negative; %s cannot take spikes with negative weights",
               J->file, J->fgroup, bad, NeuronTypes[T->type]);
  }
  if (J->rule == RULE_FIXED_INDEGREE) {
    const PetscInt avail = S->size - (J->autapses || J->src != J->tgt ? 0 : 1);
    PetscCheck(J->indegree >= 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%sindegree must be non-negative; got %" PetscInt_FMT, prefix, J->indegree);
    PetscCheck(J->multapses || J->indegree <= avail, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%sindegree %" PetscInt_FMT " exceeds the %" PetscInt_FMT
               " distinct sources of population %s (-%smultapses false)",
               prefix, J->indegree, avail, S->name, prefix);
  }
  J->masked = (PetscBool)(J->rule == RULE_FIXED_INDEGREE && (J->radius != 0 || J->kernel != KERNEL_CONSTANT));
  PetscCheck(J->rule == RULE_DISTANCE || J->masked || (J->kernel == KERNEL_CONSTANT && J->sigma == 0), m->comm,
             PETSC_ERR_ARG_INCOMP, "Options -%skernel and -%ssigma apply to -rule distance and fixed_indegree", prefix,
             prefix);
  PetscCheck(J->rule == RULE_DISTANCE || J->masked || J->radius == 0, m->comm, PETSC_ERR_ARG_INCOMP,
             "Option -%sradius applies to -rule distance and fixed_indegree, not %s", prefix, Rules[J->rule]);
  if (J->rule == RULE_DISTANCE || J->masked) {
    if (!pset && !J->masked) J->p = 1;
    PetscCheck(S->dim && T->dim, m->comm, PETSC_ERR_ARG_INCOMP,
               "Option -%srule %s needs positions for populations %s and %s (-%s%s_grid_rows or -%s%s_positions)",
               prefix, J->masked ? "fixed_indegree with a mask" : "distance", S->name, T->name, m->prefix,
               S->dim ? T->name : S->name, m->prefix, S->dim ? T->name : S->name);
    PetscCheck(J->kernel == KERNEL_CONSTANT || (PetscIsNormalReal(J->sigma) && J->sigma > 0), m->comm,
               PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%ssigma (the %s kernel's width) must be positive and finite (um); got %.6g", prefix,
               Kernels[J->kernel], (double)J->sigma);
    PetscCheck(J->kernel != KERNEL_CONSTANT || J->sigma == 0, m->comm, PETSC_ERR_ARG_INCOMP,
               "Option -%ssigma needs -%skernel gaussian or exponential", prefix, prefix);
    if (J->radius == 0 && J->kernel != KERNEL_CONSTANT) /* where the kernel falls below about 1e-5 */
      J->radius = (J->kernel == KERNEL_GAUSSIAN ? 5 : 12) * J->sigma;
    PetscCheck(J->radius > 0 && PetscIsNormalReal(J->radius), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%sradius must be positive and finite (um); got %.6g", prefix, (double)J->radius);
    PetscCheck(S->dim == T->dim, m->comm, PETSC_ERR_ARG_INCOMP,
               "Option -%srule distance: populations %s and %s have positions in %" PetscInt_FMT " and %" PetscInt_FMT
               " dimensions",
               prefix, S->name, T->name, S->dim, T->dim);
    PetscCheck(S->periodic == T->periodic, m->comm, PETSC_ERR_ARG_INCOMP,
               "Option -%srule distance: populations %s and %s must both be periodic or neither (-%s%s_periodic)",
               prefix, S->name, T->name, m->prefix, S->periodic ? T->name : S->name);
    for (PetscInt a = 0; S->periodic && a < S->dim; a++)
      PetscCheck(S->extent[a] == T->extent[a], m->comm, PETSC_ERR_ARG_INCOMP,
                 "Option -%srule distance: periodic populations %s and %s must share their box (%.6g and %.6g um along "
                 "axis %" PetscInt_FMT ")",
                 prefix, S->name, T->name, (double)S->extent[a], (double)T->extent[a], a);
  }
  if (J->rule == RULE_PAIRWISE_BERNOULLI || J->rule == RULE_DISTANCE)
    PetscCheck(J->p >= 0 && J->p <= 1, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -%sp must lie in [0, 1]; got %.6g",
               prefix, (double)J->p);
  PetscFunctionReturn(0);
}

static PetscErrorCode SpikingSetFromOptions(TpModel m)
{
  Spiking *d      = m->data;
  char list[4096] = "", opt[80];
  PetscBool set, recset;
  PetscInt nrec = SPIKING_MAX_REC, nreca = SPIKING_MAX_REC, N;
  PetscBool recaset;

  PetscFunctionBegin;
  PetscCall(TpNetworkGetRows(m->net, &d->r));
  N = d->r.N;
  PetscCall(PetscSNPrintf(opt, sizeof(opt), "-%sprojections", m->prefix));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-stepper_dt", &d->dt, NULL));
  PetscCheck(PetscIsNormalReal(d->dt) && d->dt > 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -stepper_dt must be a positive number; got %.6g", (double)d->dt);
  PetscOptionsBegin(m->comm, m->prefix, "Spiking network (M4)", "TpModel");
  PetscCall(PetscOptionsReal("-brunel_g", "Brunel's network: relative inhibitory strength", "", d->brunel_g,
                             &d->brunel_g, NULL));
  PetscCall(PetscOptionsReal("-brunel_eta", "Brunel's network: external rate over threshold rate", "", d->brunel_eta,
                             &d->brunel_eta, NULL));
  PetscCall(
      PetscOptionsReal("-brunel_J", "Brunel's network: excitatory weight (mV)", "", d->brunel_J, &d->brunel_J, NULL));
  PetscCall(
      PetscOptionsReal("-brunel_delay", "Brunel's network: delay (ms)", "", d->brunel_delay, &d->brunel_delay, NULL));
  PetscCall(PetscOptionsReal("-brunel_epsilon", "Brunel's network: connection probability", "", d->brunel_epsilon,
                             &d->brunel_epsilon, NULL));
  PetscCall(PetscOptionsString("-projections", "Projections SOURCE-TARGET,... (default: Brunel's four)", "", list, list,
                               sizeof(list), &set));
  PetscCall(PetscOptionsIntArray("-record_V", "Natural ids of neurons whose V_m is recorded as a series", "", d->rec,
                                 &nrec, &recset));
  PetscCall(PetscOptionsBool(
      "-record_I_syn", "Record the -record_V neurons' synaptic currents (pA) or conductances (nS) too, as a series", "",
      d->recsyn, &d->recsyn, NULL));
  PetscCall(PetscOptionsIntArray("-record_astro",
                                 "Natural ids of astrocytes whose IP3, Ca, h and SIC (G-ChI: and Gamma_A, x_A, G_A, "
                                 "glutamate) are recorded as a series",
                                 "", d->reca, &nreca, &recaset));
  d->astro_dt = d->dt;
  PetscCall(PetscOptionsBool("-write_edges",
                             "Write every projection's synapses into the output as SONATA edges (/edges/<projection>)",
                             "", d->write_edges, &d->write_edges, NULL));
  PetscCall(PetscOptionsReal("-astro_dt", "The astrocytes' step (ms), a whole number of -stepper_dt steps", "",
                             d->astro_dt, &d->astro_dt, NULL));
  PetscCall(PetscOptionsBool("-overlap",
                             "Overlap each window's spike exchange with the next window's first step (where every "
                             "population's input is synaptic state: iaf_psc_exp, iaf_psc_alpha, aeif_cond_alpha, "
                             "coba_lif, spike generators); no gain measured on one node (README)",
                             "", d->overlap, &d->overlap, NULL));
  PetscOptionsEnd();
  d->nreca = recaset ? nreca : 0;
  {
    const double k = d->astro_dt / d->dt;
    PetscCheck(k >= 1 - 1e-9 && PetscAbsReal(k - round(k)) < 1e-6 && k < 1e6, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%sastro_dt %.6g ms must be a whole number of steps of -stepper_dt %.6g ms", m->prefix,
               (double)d->astro_dt, (double)d->dt);
    d->astro_k = (PetscInt)round(k);
  }
  d->nrec = recset ? nrec : 0;
  for (PetscInt q = 0; q < d->nrec; q++)
    PetscCheck(d->rec[q] >= 0 && d->rec[q] < N, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%srecord_V: neuron %" PetscInt_FMT " does not exist (ids 0..%" PetscInt_FMT ")", m->prefix,
               d->rec[q], N - 1);
  PetscCheck(d->brunel || !set || list[0], m->comm, PETSC_ERR_ARG_WRONG, "Option %s is empty", opt);
  PetscCheck(!d->brunel || (d->brunel_J > 0 && d->brunel_g >= 0 && d->brunel_eta >= 0 && d->brunel_epsilon > 0 &&
                            d->brunel_epsilon <= 1),
             m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Options -%sbrunel_*: J must be positive, g and eta non-negative, epsilon in (0, 1]", m->prefix);
  for (PetscInt q = 0; q < d->npop; q++) PetscCall(ReadPopulation(m, &d->pop[q]));
  for (PetscInt q = 0; q < d->nreca; q++) {
    const PetscInt g = d->reca[q];
    PetscCheck(g >= 0 && g < N && IS_ASTRO(&d->pop[PopOf(d, g)]), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -%srecord_astro: %" PetscInt_FMT " is not the id of an astrocyte (ids 0..%" PetscInt_FMT
               " across the populations; astrocytes are those of type astrocyte_lr_1994 or astrocyte_gchi)",
               m->prefix, g, N - 1);
  }

  d->nproj = 0;
  if (d->brunel && !set) {
    const PetscInt CE = (PetscInt)PetscCeilReal(d->brunel_epsilon * d->pop[0].size),
                   CI = (PetscInt)PetscCeilReal(d->brunel_epsilon * d->pop[1].size);
    for (PetscInt q = 0; q < 4; q++) {
      Projection *J = &d->proj[q];
      J->src        = q / 2;
      J->tgt        = q % 2;
      PetscCall(PetscSNPrintf(J->name, sizeof(J->name), "%s-%s", d->pop[J->src].name, d->pop[J->tgt].name));
      J->rule     = RULE_FIXED_INDEGREE;
      J->indegree = J->src ? CI : CE;
      J->weight   = J->src ? -d->brunel_g * d->brunel_J : d->brunel_J;
      J->delay    = d->brunel_delay;
      J->autapses = J->multapses = PETSC_TRUE;
    }
    d->nproj = 4;
  } else if (set) {
    char *item = list, *next;
    for (; item; item = next) {
      char *dash;
      Projection *J;
      next = strchr(item, ',');
      if (next) *next++ = 0;
      dash = strchr(item, '-');
      PetscCheck(dash, m->comm, PETSC_ERR_ARG_WRONG, "Option %s: '%s' is not SOURCE-TARGET", opt, item);
      PetscCheck(d->nproj < SPIKING_MAX_PROJ, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "Option %s: more than %d projections",
                 opt, SPIKING_MAX_PROJ);
      J = &d->proj[d->nproj];
      PetscCall(PetscStrncpy(J->name, item, sizeof(J->name)));
      *dash = 0;
      PetscCall(FindPop(m, item, opt, J->name, &J->src));
      PetscCall(FindPop(m, dash + 1, opt, J->name, &J->tgt));
      for (PetscInt q = 0; q < d->nproj; q++)
        PetscCheck(strcmp(d->proj[q].name, J->name), m->comm, PETSC_ERR_ARG_WRONG,
                   "Option %s names projection %s twice", opt, J->name);
      J->rule     = RULE_ALL_TO_ALL;
      J->indegree = 1;
      J->p        = 0.1;
      J->weight   = 1;
      J->delay    = 1;
      J->autapses = J->multapses = PETSC_TRUE;
      d->nproj++;
    }
  }
  d->window = 0;
  d->dring  = 1;
  d->nrw    = 0;
  for (PetscInt q = 0; q < d->nproj; q++) {
    PetscCall(ReadProjection(m, &d->proj[q]));
    if (IS_GAP(&d->proj[q])) continue; /* instantaneous: no delay */
    d->window = d->window ? PetscMin(d->window, d->proj[q].dmin) : d->proj[q].dmin;
    d->dring  = PetscMax(d->dring, d->proj[q].dmax);
    if (d->proj[q].rule == RULE_FILE) d->persyn = PETSC_TRUE; /* a third rule's are uniform */
  }
  if (!d->window) d->window = 10;
  for (PetscInt q = 0; q < SPIKING_MAX_POPS; q++)
    for (PetscInt u = 0; u < SPIKING_MAX_POPS; u++) d->projof[q][u] = -1;
  for (PetscInt p = 0; p < d->nproj; p++) d->projof[d->proj[p].src][d->proj[p].tgt] = p;
  /* each tripartite projection's pairs go into projections of rule third, and each of those is fed */
  for (PetscInt p = 0; p < d->nproj; p++) {
    const Projection *J = &d->proj[p];
    PetscInt in, out;
    PetscBool fed = PETSC_FALSE;
    if (J->third >= 0 && IS_GCHI(&d->pop[J->third])) { /* (G-ChI astrocytes send no slow inward current) */
      in = d->projof[J->src][J->third];
      PetscCheck(in >= 0 && d->proj[in].rule == RULE_THIRD, m->comm, PETSC_ERR_ARG_WRONG,
                 "Option -%s%s_third %s needs projection %s-%s with -rule third in %s (the astrocytes' input)",
                 m->prefix, J->name, d->pop[J->third].name, d->pop[J->src].name, d->pop[J->third].name, opt);
      if (J->glio && d->proj[in].syn == SYN_TSODYKS_MARKRAM) { /* the astrocytes' glutamate: the modulated release */
        Projection *K = &d->proj[in];
        PetscCheck(!K->glio || K->glio_alpha == J->glio_alpha, m->comm, PETSC_ERR_ARG_INCOMP,
                   "Projection %s feeds the astrocytes of tripartite projections with -glio_alpha %g and %g: its "
                   "synapses take one",
                   K->name, (double)K->glio_alpha, (double)J->glio_alpha);
        K->glio = PETSC_TRUE, K->glio_alpha = J->glio_alpha;
      }
    } else if (J->third >= 0) {
      in  = d->projof[J->src][J->third];
      out = d->projof[J->third][J->tgt];
      PetscCheck(in >= 0 && out >= 0 && d->proj[in].rule == RULE_THIRD && d->proj[out].rule == RULE_THIRD, m->comm,
                 PETSC_ERR_ARG_WRONG,
                 "Option -%s%s_third %s needs projections %s-%s and %s-%s with -rule third in %s (the astrocytes' "
                 "input and their slow inward current)",
                 m->prefix, J->name, d->pop[J->third].name, d->pop[J->src].name, d->pop[J->third].name,
                 d->pop[J->third].name, d->pop[J->tgt].name, opt);
    }
    if (J->rule != RULE_THIRD) continue;
    for (PetscInt u = 0; u < d->nproj; u++) {
      const Projection *K = &d->proj[u];
      if (K->third >= 0 && ((K->src == J->src && K->third == J->tgt) || (K->third == J->src && K->tgt == J->tgt)))
        fed = PETSC_TRUE;
    }
    PetscCheck(fed, m->comm, PETSC_ERR_ARG_WRONG,
               "Projection %s has -rule third, but no tripartite projection (-third) pairs its populations", J->name);
  }
  /* each population's Tsodyks-Markram projections as source (one per target population, names being
     unique) and its STDP ones, as source and as target */
  d->tmw = d->spw = d->spinw = 0;
  d->gated                   = PETSC_FALSE;
  d->sic                     = PETSC_FALSE;
  d->sicdelay                = -2;
  d->glio                    = PETSC_FALSE;
  for (PetscInt q = 0; q < d->npop; q++) d->pop[q].ntm = d->pop[q].nsp = d->pop[q].nspin = d->pop[q].nsic = 0;
  for (PetscInt p = 0; p < d->nproj; p++) {
    Projection *J = &d->proj[p];
    Population *S = &d->pop[J->src], *T = &d->pop[J->tgt];
    J->tmk = J->spk = J->spin = -1;
    if (IS_ASTRO(S) && !IS_GAP(J)) S->nsic++, d->sic = PETSC_TRUE;
    if (IS_ASTRO(S) && !IS_GAP(J)) /* one delay for every current (-2: none yet, -1: several) */
      d->sicdelay = J->rule == RULE_FILE || (d->sicdelay >= 0 && d->sicdelay != J->dsteps) ? -1
                    : d->sicdelay == -1                                                    ? -1
                                                                                           : J->dsteps;
    if (J->glio) d->glio = PETSC_TRUE;
    if (J->syn == SYN_TSODYKS_MARKRAM) {
      J->tmk          = S->ntm;
      S->tm[S->ntm++] = p;
      d->tmw          = PetscMax(d->tmw, S->ntm);
    } else if (IS_STDP(J)) {
      J->spk          = S->nsp;
      S->sp[S->nsp++] = p;
      J->spin         = T->nspin++;
      d->spw          = PetscMax(d->spw, S->nsp);
      d->spinw        = PetscMax(d->spinw, T->nspin);
      if (IS_GATED(J)) d->gated = PETSC_TRUE;
    }
  }
  /* per presynaptic neuron: u, x of each TM projection, K+ of each STDP one, the step of its last spike */
  d->tms = d->tmw || d->spw ? 2 * d->tmw + d->spw + 1 : 0;
  PetscFunctionReturn(0);
}

/* The wiring in two passes over the same keyed draws: the first counts the synapses of each
   presynaptic neuron, the second puts each in its place (by presynaptic neuron; within one, by
   target, then draw), so nothing but the final arrays is ever held. */
typedef struct {
  PetscBool fill;
  PetscCount *pos; /* N: count (first pass), then the next place of each presynaptic neuron */
  PetscInt *pin;   /* nloc: STDP synapses onto each local neuron so far */
  PetscInt *gin;   /* nloc: gliotransmission slots of each local neuron so far */
  /* gliotransmission: a source's consecutive synapses onto one target with one astrocyte share a slot (they
     see the same spikes and the same Gamma_S: a -rule third projection's repeated pairs into a crowded
     astrocyte); per source, the row (+1) and astrocyte of its last one, and its slot (fill) */
  PetscInt *gmark, *gast;
  size_t *gslot;
  PetscInt64 pc[SPIKING_MAX_PROJ]; /* each tripartite projection's next synapse (each pass) */
  Spiking *d;
  PetscInt64 fcur[SPIKING_MAX_PROJ]; /* each -rule file projection's next edge */
  PetscInt only;                     /* >= 0: draw this projection only, into pairs (source, local target) */
  PetscInt64 npairs, *pairs;
} Wiring;

static inline void EmitFile(Wiring *W, PetscInt j, PetscInt i, const Projection *J, double w, PetscInt64 ds);

/* Synapse j -> i of gliotransmission projection J (the next in draw order): its astrocyte's natural id
   (-1: none) in *a, and whether it needs a slot of its own (not j's previous one onto i with that astrocyte). */
static inline PetscBool GlioNewSlot(Wiring *W, PetscInt j, PetscInt i, const Projection *J, PetscInt *a)
{
  const Spiking *d = W->d;
  PetscInt64 *c    = &W->pc[J - d->proj];
  PetscBool fresh;
  if (J->rule == RULE_THIRD)
    *a = TpRowGid(&d->r, i); /* (the astrocyte is the target) */
  else
    *a = *c < J->npa ? J->pastro[(*c)++] : -1;
  fresh       = (PetscBool) !(W->gmark[j] == i + 1 && W->gast[j] == *a);
  W->gmark[j] = i + 1, W->gast[j] = *a;
  return fresh;
}

static inline void Emit(Wiring *W, PetscInt j, PetscInt i, const Projection *J)
{
  EmitFile(W, j, i, J, J->weight, J->dsteps);
}

/* Synapse j -> i of projection J, weight w and delay ds steps (a file's; the projection's otherwise). */
static inline void EmitFile(Wiring *W, PetscInt j, PetscInt i, const Projection *J, double w, PetscInt64 ds)
{
  Spiking *d = W->d;
  if (W->only >= 0) { /* counted, then listed */
    if (W->pairs) W->pairs[2 * W->npairs] = j, W->pairs[2 * W->npairs + 1] = i;
    W->npairs++;
    return;
  }
  if (!W->fill) {
    W->pos[j]++;
    if (IS_STDP(J)) W->pin[i]++;
    if (J->glio) {
      PetscInt a;
      if (GlioNewSlot(W, j, i, J, &a)) W->gin[i]++;
    }
    return;
  }
  {
    const PetscCount o = W->pos[j]++;
    d->tgt[o]          = (int32_t)i;
    if (d->persyn) d->fw[o] = w, d->fd[o] = (uint16_t)ds;
    if (IS_STDP(J)) { /* its slot among the plastic synapses onto i, in draw order */
      const size_t slot = (size_t)i * d->Kmax + W->pin[i]++;
      d->wpos[o]        = (uint32_t)slot;
      d->sw[slot]       = J->weight;
      d->scol[slot]     = (int32_t)d->colof[j];
      d->ssrc[slot]     = j;
    }
    if (J->glio) { /* its slot among the gliotransmission synapses onto i, and its astrocyte (natural id for now) */
      PetscInt a;
      if (GlioNewSlot(W, j, i, J, &a)) {
        W->gslot[j]         = (size_t)i * d->Gmax + W->gin[i]++;
        d->gls[W->gslot[j]] = (int32_t)a;
      }
      d->gpos[o] = (uint32_t)W->gslot[j];
    }
  }
}

/* The position of member k of population P (um): a grid's computed, the others stored. */
static inline void PositionOf(const Population *P, PetscInt k, double x[3])
{
  x[2] = 0;
  if (P->grid_rows) {
    x[0] = (double)(k / P->grid_rows) * P->grid_spacing, x[1] = (double)(k % P->grid_rows) * P->grid_spacing;
    return;
  }
  for (PetscInt a = 0; a < P->dim; a++) x[a] = P->pos[(size_t)k * P->dim + a];
}

/* The squared distance between x and y, across the box's sides where P is periodic (the nearest image). */
static inline double Distance2(const Population *P, const double x[3], const double y[3])
{
  double s = 0;
  for (PetscInt a = 0; a < P->dim; a++) {
    double d = x[a] - y[a];
    if (P->periodic) d -= P->extent[a] * round(d / P->extent[a]);
    s += d * d;
  }
  return s;
}

/* The kernel of projection J at squared distance d2 (um^2): 1, e^{-d^2/(2 sigma^2)} or e^{-d/sigma}. */
static inline double KernelAt(const Projection *J, double d2)
{
  if (J->kernel == KERNEL_GAUSSIAN) return exp(-d2 / (2 * J->sigma * J->sigma));
  if (J->kernel == KERNEL_EXPONENTIAL) return exp(-PetscSqrtReal(d2) / J->sigma);
  return 1;
}

/* The box of population P's positions: the periodic box, or their bounds. */
static void PositionBox(const Population *P, double lo[3], double len[3])
{
  for (PetscInt a = 0; a < 3; a++) lo[a] = 0, len[a] = P->extent[a];
  if (P->periodic || P->grid_rows) return;
  for (PetscInt a = 0; a < P->dim; a++) {
    double mn = PETSC_MAX_REAL, mx = -PETSC_MAX_REAL;
    for (PetscInt k = 0; k < P->size; k++) {
      const double x = P->pos[(size_t)k * P->dim + a];
      mn = PetscMin(mn, x), mx = PetscMax(mx, x);
    }
    lo[a] = mn, len[a] = PetscMax(mx - mn, 0);
  }
}

/* About the most sources within r of a point (for the refusal of what cannot fit): a grid's box of points,
   or the population's density over its box times the cube around the point. */
static double DistanceExpect(const Population *S, double r)
{
  double lo[3], len[3], f = 1;
  if (S->grid_rows) return PetscMin(S->size, PetscSqr(2 * r / S->grid_spacing + 2));
  PositionBox(S, lo, len);
  for (PetscInt a = 0; a < S->dim; a++) f *= len[a] > 0 ? PetscMin(1.0, 2 * r / len[a]) : 1.0;
  return f * S->size;
}

/* The members of S sorted into cells at least r wide (fewer cells than about 4 per member) over their box */
static PetscErrorCode CellsSetUp(const Population *S, double r, Cells *C)
{
  double len[3];
  PetscInt total = 1;

  PetscFunctionBegin;
  PositionBox(S, C->lo, len);
  for (PetscInt a = 0; a < 3; a++) {
    C->n[a] = 1, C->size[a] = 1;
    if (a >= S->dim) continue;
    C->n[a] = (PetscInt)PetscMax(1.0, PetscMin(PetscFloorReal(len[a] / r), 4096.0));
    while (C->n[a] > 1 && (double)total * C->n[a] > 4.0 * S->size + 64) C->n[a] /= 2; /* (cells <~ points) */
    C->size[a] = len[a] > 0 ? len[a] / C->n[a] : 1;
    total *= C->n[a];
  }
  PetscCall(PetscCalloc2(total + 1, &C->start, S->size + 1, &C->mem));
  for (int pass = 0; pass < 2; pass++) {
    for (PetscInt k = 0; k < S->size; k++) {
      double x[3];
      PetscInt c = 0;
      PositionOf(S, k, x);
      for (PetscInt a = S->dim - 1; a >= 0; a--) {
        const PetscInt i = (PetscInt)PetscFloorReal((x[a] - C->lo[a]) / C->size[a]);
        c                = c * C->n[a] + PetscMin(PetscMax(i, 0), C->n[a] - 1);
      }
      if (pass == 0)
        C->start[c + 1]++;
      else
        C->mem[C->start[c]++] = k;
    }
    if (pass == 0)
      for (PetscInt c = 0; c < total; c++) C->start[c + 1] += C->start[c];
    else
      for (PetscInt c = total; c > 0; c--) C->start[c] = C->start[c - 1]; /* (filling moved each start on) */
  }
  C->start[0] = 0;
  PetscFunctionReturn(0);
}

/* The range of cells of C (per axis, lo .. hi, wrapped later when periodic) within r of position y */
static void CellRange(const Population *S, const Cells *C, const double y[3], double r, PetscInt lo[3], PetscInt hi[3])
{
  for (PetscInt a = 0; a < 3; a++) lo[a] = hi[a] = 0;
  for (PetscInt a = 0; a < S->dim; a++) {
    lo[a] = (PetscInt)PetscFloorReal((y[a] - r - C->lo[a]) / C->size[a]);
    hi[a] = (PetscInt)PetscFloorReal((y[a] + r - C->lo[a]) / C->size[a]);
    if (!S->periodic || hi[a] - lo[a] + 1 >= C->n[a]) lo[a] = PetscMax(lo[a], 0), hi[a] = PetscMin(hi[a], C->n[a] - 1);
    if (S->periodic && hi[a] - lo[a] + 1 >= C->n[a]) lo[a] = 0, hi[a] = C->n[a] - 1;
  }
}

/* Cell (i0, i1, i2) of C, wrapped */
static inline PetscInt CellAt(const Cells *C, PetscInt i0, PetscInt i1, PetscInt i2)
{
  const PetscInt c0 = (i0 % C->n[0] + C->n[0]) % C->n[0], c1 = (i1 % C->n[1] + C->n[1]) % C->n[1],
                 c2 = (i2 % C->n[2] + C->n[2]) % C->n[2];
  return (c2 * C->n[1] + c1) * C->n[0] + c0;
}

/* The member of S (cells C) nearest position y, the lowest id among equally near ones: cells searched in growing
   boxes until no unsearched cell can hold a nearer one */
static PetscInt Nearest(const Population *S, const Cells *C, const double y[3])
{
  double best = PETSC_MAX_REAL, cmin = PETSC_MAX_REAL;
  PetscInt who = -1;
  for (PetscInt a = 0; a < S->dim; a++) cmin = PetscMin(cmin, C->size[a]);
  for (double r = cmin;; r *= 2) {
    PetscInt lo[3], hi[3];
    PetscBool all = PETSC_TRUE;
    CellRange(S, C, y, r, lo, hi);
    for (PetscInt i2 = lo[2]; i2 <= hi[2]; i2++)
      for (PetscInt i1 = lo[1]; i1 <= hi[1]; i1++)
        for (PetscInt i0 = lo[0]; i0 <= hi[0]; i0++) {
          const PetscInt c = CellAt(C, i0, i1, i2);
          for (PetscInt q = C->start[c]; q < C->start[c + 1]; q++) {
            double x[3], d2;
            PositionOf(S, C->mem[q], x);
            d2 = Distance2(S, x, y);
            if (d2 < best || (d2 == best && C->mem[q] < who)) best = d2, who = C->mem[q];
          }
        }
    for (PetscInt a = 0; a < S->dim; a++) all = (PetscBool)(all && lo[a] == 0 && hi[a] == C->n[a] - 1);
    if (all || (who >= 0 && best <= r * r)) return who; /* (every member within r of y was in the box searched) */
  }
}

/* The members of J's source population within its radius of position y, ascending, into cand; their number. */
static PetscInt InRange(const Spiking *d, const Projection *J, const double y[3], PetscInt *cand)
{
  const Population *S = &d->pop[J->src];
  const Cells *C      = &J->cells;
  const double r2     = J->radius * J->radius;
  PetscInt lo[3], hi[3], n = 0;

  CellRange(S, C, y, J->radius, lo, hi);
  for (PetscInt i2 = lo[2]; i2 <= hi[2]; i2++)
    for (PetscInt i1 = lo[1]; i1 <= hi[1]; i1++)
      for (PetscInt i0 = lo[0]; i0 <= hi[0]; i0++) {
        const PetscInt c = CellAt(C, i0, i1, i2);
        for (PetscInt q = C->start[c]; q < C->start[c + 1]; q++) {
          double x[3];
          PositionOf(S, C->mem[q], x);
          if (Distance2(S, x, y) < r2) cand[n++] = C->mem[q];
        }
      }
  (void)PetscSortInt(n, cand);
  return n;
}

/* The members of J's source population within its radius of target g (natural id), ascending and without g
   itself when self, into d->cand, and the kernel of each one's distance into d->cw; their number. */
static PetscInt Mask(Spiking *d, const Projection *J, PetscInt g, PetscBool self)
{
  const Population *S = &d->pop[J->src], *T = &d->pop[J->tgt];
  double y[3];
  PetscInt n, m = 0;

  PositionOf(T, g - T->first, y);
  n = InRange(d, J, y, d->cand);
  for (PetscInt c = 0; c < n; c++) {
    double x[3];
    if (self && S->first + d->cand[c] == g) continue;
    PositionOf(S, d->cand[c], x);
    d->cand[m] = d->cand[c], d->cw[m++] = KernelAt(J, Distance2(S, x, y));
  }
  return m;
}

static PetscErrorCode Draw(Wiring *W, char *marked, PetscInt *picked)
{
  Spiking *d = W->d;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < d->r.nloc; i++) {
    const PetscInt g = TpRowGid(&d->r, i), q = d->popof[i];
    for (PetscInt p = 0; p < d->nproj; p++) {
      const Projection *J  = &d->proj[p];
      const Population *S  = &d->pop[J->src];
      const uint64_t key   = ((uint64_t)p << 40) | (uint64_t)g;
      const PetscBool self = (PetscBool)(J->src == q && !J->autapses);
      uint64_t draw        = 0;
      if (J->tgt != q || (W->only >= 0 && p != W->only) || (W->only < 0 && IS_GAP(J))) continue;
      switch (J->rule) {
      case RULE_ALL_TO_ALL:
        for (PetscInt j = S->first; j < S->first + S->size; j++)
          if (!(self && j == g)) Emit(W, j, i, J);
        break;
      case RULE_PAIRWISE_BERNOULLI:
        if (J->p <= 0) break;
        if (J->p >= 1) {
          for (PetscInt j = S->first; j < S->first + S->size; j++)
            if (!(self && j == g)) Emit(W, j, i, J);
          break;
        }
        /* geometric skips between the chosen sources */
        for (double j = S->first - 1.0;;) {
          const double u = TpUniform((uint64_t)d->seed, TP_STREAM_M4_WIRING, key, draw++);
          j += 1 + PetscFloorReal(log1p(-u) / log1p(-J->p));
          if (j >= S->first + S->size) break;
          if (!(self && (PetscInt)j == g)) Emit(W, (PetscInt)j, i, J);
        }
        break;
      case RULE_FILE:
      case RULE_THIRD: { /* the listed edges onto i, in their order */
        PetscInt64 *c = &W->fcur[p];
        for (; *c < J->nfe && J->fe[*c].tgt == i; (*c)++)
          EmitFile(W, (PetscInt)J->fe[*c].src, i, J, J->fe[*c].w, J->fe[*c].ds);
      } break;
      case RULE_DISTANCE: { /* the sources in range, ascending, each with probability p k(d) */
        const PetscInt n = Mask(d, J, g, self);
        for (PetscInt c = 0; c < n; c++) {
          if ((J->kernel != KERNEL_CONSTANT || J->p < 1) &&
              !(TpUniform((uint64_t)d->seed, TP_STREAM_M4_WIRING, key, draw++) < J->p * d->cw[c]))
            continue;
          Emit(W, S->first + d->cand[c], i, J);
        }
      } break;
      case RULE_FIXED_INDEGREE: {
        PetscInt m = 0; /* with a mask: its sources, each drawn in proportion to the kernel (NEST's) */
        double sum = 0;
        if (J->masked) {
          const PetscInt n = Mask(d, J, g, self);
          for (PetscInt c = 0; c < n; c++) /* (their cumulative kernel, those of kernel 0 left out) */
            if (d->cw[c] > 0) d->cand[m] = d->cand[c], d->cw[m++] = sum += d->cw[c];
          if (J->indegree > 0 && (m == 0 || (!J->multapses && m < J->indegree))) {
            d->maskbad = PetscMin(d->maskbad, (PetscInt64)g * SPIKING_MAX_PROJ + p);
            break;
          }
        }
        for (PetscInt k = 0; k < J->indegree;) {
          const double u = TpUniform((uint64_t)d->seed, TP_STREAM_M4_WIRING, key, draw++);
          PetscInt j     = S->first + (PetscInt)(u * S->size);
          if (J->masked) { /* the first whose cumulative kernel passes u sum */
            PetscInt lo = 0, hi = m - 1;
            while (lo < hi) {
              const PetscInt mid = (lo + hi) / 2;
              if (d->cw[mid] > u * sum)
                hi = mid;
              else
                lo = mid + 1;
            }
            j = S->first + d->cand[lo];
          }
          if (j >= S->first + S->size) j = S->first + S->size - 1;
          if ((self && j == g) || (!J->multapses && marked[j])) continue;
          if (!J->multapses) marked[j] = 1, picked[k] = j;
          Emit(W, j, i, J);
          k++;
        }
        if (!J->multapses)
          for (PetscInt k = 0; k < J->indegree; k++) marked[picked[k]] = 0;
      } break;
      }
    }
  }
  PetscFunctionReturn(0);
}

/* Target ti's pool of astrocytes (indices within population J->third) for tripartite projection p:
   NEST's blocks, or pool_size drawn without replacement (Floyd's algorithm) keyed by (p, target). */
static void Pool(const Spiking *d, const Projection *J, PetscInt p, PetscInt ti, PetscInt *pool, char *taken)
{
  const PetscInt NA = d->pop[J->third].size, NT = d->pop[J->tgt].size, M = J->pool_size;
  const uint64_t key = ((uint64_t)p << 40) | (uint64_t)(d->pop[J->tgt].first + ti);
  PetscInt n         = 0;

  if (J->pool_map) { /* (-1: none) */
    pool[0] = (PetscInt)J->pool_map[ti];
    return;
  }
  if (J->pool_nearest) { /* the astrocyte whose territory holds the target */
    double y[3];
    PositionOf(&d->pop[J->tgt], ti, y);
    pool[0] = Nearest(&d->pop[J->third], &J->acells, y);
    return;
  }
  if (J->pool_block) {
    const PetscInt first = M > 1 ? ti * M : ti / (NT / NA);
    for (PetscInt r = 0; r < M; r++) pool[r] = first + r;
    return;
  }
  if (M == NA) {
    for (PetscInt r = 0; r < M; r++) pool[r] = r;
    return;
  }
  for (PetscInt jj = NA - M; jj < NA; jj++) {
    PetscInt r = (PetscInt)(TpUniform((uint64_t)d->seed, TP_STREAM_M4_POOL, key, (uint64_t)jj) * (jj + 1));
    if (r > jj) r = jj;
    if (taken[r]) r = jj;
    taken[r]  = 1;
    pool[n++] = r;
  }
  for (PetscInt r = 0; r < M; r++) taken[pool[r]] = 0;
}

/* Projection p's synapses onto the local neurons as W->pairs (source, local target), by target in
   draw order, W->npairs of them: the same draws as the wiring's. */
static PetscErrorCode DrawPairs(Spiking *d, PetscInt p, char *marked, PetscInt *pick, Wiring *W)
{
  PetscFunctionBegin;
  *W = (Wiring){.d = d, .only = p};
  PetscCall(Draw(W, marked, pick)); /* counts */
  PetscCall(PetscMalloc1(2 * W->npairs + 1, &W->pairs));
  W->npairs = 0;
  PetscCall(PetscArrayzero(W->fcur, SPIKING_MAX_PROJ));
  PetscCall(Draw(W, marked, pick)); /* lists */
  PetscFunctionReturn(0);
}

/* pool_type synapse: the first astrocyte (compartment) of each target of J, the number of J's synapses onto the
   targets before it (W: J's synapses onto the local targets, by target), so that each synapse has its own in
   (target, draw) order on any number of ranks; the third population must have exactly one per synapse.
   Collective; *off has one entry per target. */
static PetscErrorCode SynapseOffsets(TpModel m, const Projection *J, const Wiring *W, PetscInt64 **off)
{
  Spiking *d          = m->data;
  const Population *T = &d->pop[J->tgt], *A = &d->pop[J->third];
  PetscInt64 total = 0, *o;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(T->size + 1, &o));
  for (PetscInt64 e = 0; e < W->npairs; e++) o[TpRowGid(&d->r, (PetscInt)W->pairs[2 * e + 1]) - T->first]++;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, o, (PetscMPIInt)T->size, MPIU_INT64, MPI_SUM, m->comm));
  for (PetscInt t = 0; t < T->size; t++) {
    const PetscInt64 c = o[t];
    o[t]               = total, total += c;
  }
  PetscCheck(total == A->size, m->comm, PETSC_ERR_ARG_INCOMP,
             "Option -spiking_%s_pool_type synapse gives each of the projection's %" PetscInt64_FMT
             " synapses its own member of %s, which has %" PetscInt_FMT
             " (make -spiking_populations %s:%" PetscInt64_FMT ", with -spiking_%s_cell_size a divisor of it)",
             J->name, total, A->name, A->size, A->name, total, A->name);
  *off = o;
  PetscFunctionReturn(0);
}

/* The third-factor pairs of each tripartite projection (NEST's third_factor_bernoulli_with_pool), from
   its synapses onto the local targets: with probability p_third a synapse s -> t gets an astrocyte a
   drawn uniformly from t's pool, and the pairs s -> a and a -> t become synapses of the projections of
   rule third (s -> a on a's rank).  The draws are keyed by (projection, t) and the synapse's place
   among t's, so the pairs are the same on any number of ranks. */
static PetscErrorCode ThirdFactorEdges(TpModel m, char *marked, PetscInt *pick)
{
  Spiking *d = m->data;

  PetscFunctionBegin;
  for (PetscInt p = 0; p < d->nproj; p++) {
    const Projection *J = &d->proj[p];
    const Population *A, *T;
    Projection *Jin, *Jout;
    Wiring W;
    FileEdge *ein, *eout;
    PetscInt64 n = 0, k = 0;
    PetscInt *pool, cur = -1;
    PetscInt64 *off = NULL;
    char *taken;
    if (J->third < 0) continue;
    A    = &d->pop[J->third];
    T    = &d->pop[J->tgt];
    Jin  = &d->proj[d->projof[J->src][J->third]];
    Jout = d->projof[J->third][J->tgt] >= 0 ? &d->proj[d->projof[J->third][J->tgt]] : NULL; /* (none: G-ChI) */
    PetscCall(DrawPairs(d, p, marked, pick, &W));
    PetscCall(PetscMalloc2(W.npairs + 1, &ein, W.npairs + 1, &eout));
    if (J->glio) { /* each synapse's astrocyte, for its place in the wiring (Emit) */
      d->proj[p].npa = W.npairs;
      PetscCall(PetscMalloc1(W.npairs + 1, &d->proj[p].pastro));
      for (PetscInt64 e = 0; e < W.npairs; e++) d->proj[p].pastro[e] = -1;
    }
    PetscCall(PetscMalloc1(J->pool_size, &pool));
    PetscCall(PetscCalloc1(A->size, &taken));
    if (J->pool_synapse) PetscCall(SynapseOffsets(m, J, &W, &off));
    for (PetscInt64 e = 0; e < W.npairs; e++) {
      const PetscInt j = (PetscInt)W.pairs[2 * e], i = (PetscInt)W.pairs[2 * e + 1], g = TpRowGid(&d->r, i);
      const uint64_t key = ((uint64_t)p << 40) | (uint64_t)g;
      if (i != cur) { /* a new target: its synapses' count and its pool */
        cur = i, k = 0;
        if (J->pool_synapse)
          pool[0] = (PetscInt)off[g - T->first];
        else
          Pool(d, J, p, g - T->first, pool, taken);
      }
      PetscCheck(k < ((PetscInt64)1 << 26), PETSC_COMM_SELF, PETSC_ERR_SUP,
                 "Projection %s: more than 2^26 synapses onto one target of a tripartite projection", J->name);
      if (TpUniform((uint64_t)d->seed, TP_STREAM_M4_THIRD, key, (uint64_t)(2 * k)) < J->p_third) {
        PetscInt r         = J->pool_size == 1
                                 ? 0
                                 : (PetscInt)(TpUniform((uint64_t)d->seed, TP_STREAM_M4_THIRD, key, (uint64_t)(2 * k + 1)) *
                                      J->pool_size);
        const PetscInt a   = A->first + pool[PetscMin(r, J->pool_size - 1)] + (J->pool_synapse ? (PetscInt)k : 0);
        const PetscInt64 o = (PetscInt64)p << 57;
        if (a < A->first) { /* a pool map's target without an astrocyte */
          k++;
          continue;
        }
        if (J->glio) d->proj[p].pastro[e] = a;
        ein[n] =
            (FileEdge){.tgt = a, .src = j, .idx = o | ((PetscInt64)g << 26) | k, .w = Jin->weight, .ds = Jin->dsteps};
        if (Jout) eout[n] = (FileEdge){.tgt = g, .src = a, .idx = o | k, .w = Jout->weight, .ds = Jout->dsteps};
        n++;
      }
      k++;
    }
    PetscCall(RouteEdges(m, Jin, ein, n, J->name));
    if (Jout) PetscCall(RouteEdges(m, Jout, eout, n, J->name));
    PetscCall(PetscFree2(ein, eout));
    PetscCall(PetscFree(pool));
    PetscCall(PetscFree(taken));
    PetscCall(PetscFree(off));
    PetscCall(PetscFree(W.pairs));
  }
  PetscFunctionReturn(0);
}

/* Each gap-junction projection's pairs, drawn by its rule as synapses are (j -> local i) and, when
   symmetric, mirrored to j's rank (i -> j), into J->gj on the targets' ranks, by target then a key
   that does not depend on the ranks: the draw's place among i's, or (1 << 62 | i << 26 | place). */
static PetscErrorCode GapEdges(TpModel m, char *marked, PetscInt *pick)
{
  Spiking *d = m->data;

  PetscFunctionBegin;
  for (PetscInt p = 0; p < d->nproj; p++) {
    Projection *J = &d->proj[p];
    Wiring W;
    FileEdge *e;
    PetscInt64 n = 0, k = 0;
    PetscInt cur = -1;
    if (!IS_GAP(J)) continue;
    PetscCall(DrawPairs(d, p, marked, pick, &W));
    PetscCall(PetscMalloc1(2 * W.npairs + 1, &e));
    for (PetscInt64 q = 0; q < W.npairs; q++) {
      const PetscInt j = (PetscInt)W.pairs[2 * q], i = (PetscInt)W.pairs[2 * q + 1], g = TpRowGid(&d->r, i);
      if (i != cur) cur = i, k = 0;
      PetscCheck(k < ((PetscInt64)1 << 26), PETSC_COMM_SELF, PETSC_ERR_SUP,
                 "Projection %s: more than 2^26 gap junctions onto one astrocyte", J->name);
      e[n++] = (FileEdge){.tgt = g, .src = j, .idx = k, .w = J->weight, .ds = 0};
      if (J->symmetric)
        e[n++] = (FileEdge){.tgt = j, .src = g, .idx = ((PetscInt64)1 << 62) | ((PetscInt64)g << 26) | k};
      k++;
    }
    PetscCall(PetscFree(J->fe)); /* (a file's edges, now drawn) */
    J->nfe = 0;
    PetscCall(RouteEdges(m, J, e, n, J->name));
    J->gj = J->fe, J->ngj = J->nfe, J->fe = NULL, J->nfe = 0;
    PetscCall(PetscFree(e));
    PetscCall(PetscFree(W.pairs));
  }
  PetscFunctionReturn(0);
}

/* The coupling of the local astrocytes in their slow system: the links between the compartments of
   each cell (astrocytes with processes: its parent, then its children, ascending) and the gap junctions
   (by astrocyte, then projection, then key), so the fluxes are summed in one order on any number of ranks;
   each coupled astrocyte of another rank, and each gap junction's, is a slot of an SF from its rank. */
static PetscErrorCode CouplingSetUp(TpModel m)
{
  Spiking *d       = m->data;
  const PetscInt N = d->r.N, n = d->astro.n;
  PetscInt *gptr, *gnb, *slotgid, nslot = 0, ngj = 0, nlink = 0, *arank, *aidx, *dptr, *dnb;
  const AstroGapParams **gpar;
  const AstroDiffusionParams **dpar;
  PetscSFNode *remote;
  PetscSF sf;
  PetscBool any = PETSC_FALSE; /* (the same on every rank: the projections and populations are) */

  PetscFunctionBegin;
  for (PetscInt p = 0; p < d->nproj; p++)
    if (IS_GAP(&d->proj[p])) any = PETSC_TRUE, ngj += (PetscInt)d->proj[p].ngj;
  for (PetscInt q = 0; q < d->npop; q++)
    if (IS_ASTRO(&d->pop[q]) && (d->pop[q].cell_size > 1 || d->pop[q].morph_file[0])) {
      Population *P = &d->pop[q];
      PetscInt deg  = 1 + PetscMin(P->branching, P->cell_size - 1); /* a compartment's links at most */
      double most;
      if (P->morph_file[0]) { /* the span of the local members' rows of the file's /morphology */
        char opt[112];
        PetscInt64 n0 = 0;
        PetscCall(PetscSNPrintf(opt, sizeof(opt), "-spiking_%s_morphology_file", P->name));
        P->mr0 = P->lo >= 0 && P->hi > P->lo ? TpRowGid(&d->r, P->lo) - P->first : 0;
        if (P->lo >= 0 && P->hi > P->lo) n0 = TpRowGid(&d->r, P->hi - 1) - P->first - P->mr0 + 1;
        PetscCall(
            TpNetworkReadMorphology(m->comm, P->morph_file, opt, P->size, P->mr0, n0, &P->mptr, &P->midx, &P->mhash));
        deg = 0;
        for (PetscInt i = P->lo; i >= 0 && i < P->hi; i++) {
          const PetscInt64 r = TpRowGid(&d->r, i) - P->first - P->mr0;
          deg                = PetscMax(deg, (PetscInt)(P->mptr[r + 1] - P->mptr[r]));
          nlink += (PetscInt)(P->mptr[r + 1] - P->mptr[r]);
        }
        PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &deg, 1, MPIU_INT, MPI_MAX, m->comm));
      }
      /* Gershgorin: the diffusion's rates are at most 2 D times a compartment's links */
      most = 2 * PetscMax(P->dif.D_IP3, P->dif.D_Ca) * deg;
      PetscCheck(most * d->astro_dt <= 2 || SpikingAstroImplicitDiffusion(&d->astro), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "Options -spiking_%s_D_IP3 %g, -spiking_%s_D_Ca %g (/ms) and -spiking_astro_dt %g ms: the diffusion "
                 "along %s's compartments (rates up to %g /ms: 2 D times the links of a compartment) times the slow "
                 "step is %g, beyond the explicit methods' stability bound 2; take a smaller -spiking_astro_dt or "
                 "smaller rates, or -spiking_astro_ts_type arkimex (the diffusion implicit)",
                 P->name, (double)P->dif.D_IP3, P->name, (double)P->dif.D_Ca, (double)d->astro_dt, P->name, most,
                 most * d->astro_dt);
      any = PETSC_TRUE;
      for (PetscInt i = d->pop[q].lo; i >= 0 && i < d->pop[q].hi && !P->morph_file[0]; i++) { /* parent, children */
        const PetscInt c = (TpRowGid(&d->r, i) - d->pop[q].first) % d->pop[q].cell_size;
        nlink +=
            (c > 0) + PetscMax(0, PetscMin(d->pop[q].branching, d->pop[q].cell_size - 1 - d->pop[q].branching * c));
      }
    }
  if (!any) PetscFunctionReturn(0);
  PetscCall(PetscMalloc3(n + 1, &gptr, ngj + 1, &gnb, ngj + 1, &gpar));
  PetscCall(PetscMalloc3(n + 1, &dptr, nlink + 1, &dnb, n + 1, &dpar));
  PetscCall(PetscMalloc1(ngj + nlink + 1, &slotgid));
  /* the links along the cells: a local other end by its place, another rank's as a slot (its natural id
     for now, -1 - gid) */
  {
    PetscInt k = 0;
    dptr[0]    = 0;
    for (PetscInt i = 0; i < d->r.nloc; i++) {
      const Population *P = &d->pop[d->popof[i]];
      const PetscInt a = d->astof[i], g = TpRowGid(&d->r, i), c = (g - P->first) % P->cell_size, base = g - c;
      PetscInt other[1025], no = 0;
      const PetscInt *list = other;
      if (a < 0) continue;
      dpar[a] = P->cell_size > 1 || P->morph_file[0] ? &P->dif : NULL;
      if (P->morph_file[0]) { /* the file's row, ascending */
        const PetscInt64 r = g - P->first - P->mr0;
        list = P->midx + P->mptr[r], no = (PetscInt)(P->mptr[r + 1] - P->mptr[r]);
      } else if (P->cell_size > 1) {
        if (c > 0) other[no++] = base + (c - 1) / P->branching;
        for (PetscInt b = 1; b <= P->branching && P->branching * c + b < P->cell_size; b++)
          other[no++] = base + P->branching * c + b;
      }
      for (PetscInt o = 0; o < no; o++) {
        const PetscInt gid = list[o] + (P->morph_file[0] ? P->first : 0), l = LocalRow(d, P, gid);
        if (l >= 0)
          dnb[k++] = d->astof[l];
        else
          dnb[k++] = -1 - gid, slotgid[nslot++] = gid;
      }
      dptr[a + 1] = k;
    }
  }
  /* the gap junctions, by astrocyte: each projection's junctions onto it are contiguous (by target) */
  {
    PetscInt64 at[SPIKING_MAX_PROJ] = {0};
    PetscInt k                      = 0;
    gptr[0]                         = 0;
    for (PetscInt i = 0; i < d->r.nloc; i++) {
      if (d->astof[i] < 0) continue;
      for (PetscInt p = 0; p < d->nproj; p++) {
        const Projection *J = &d->proj[p];
        if (!IS_GAP(J)) continue;
        for (; at[p] < J->ngj && J->gj[at[p]].tgt == i; at[p]++) {
          gnb[k] = (PetscInt)J->gj[at[p]].src, gpar[k] = &J->gap;
          slotgid[nslot++] = (PetscInt)J->gj[at[p]].src;
          k++;
        }
      }
      gptr[d->astof[i] + 1] = k;
    }
  }
  for (PetscInt q = 0; q < d->npop; q++) { /* (the file's rows are in the links now) */
    PetscCall(PetscFree(d->pop[q].mptr));
    PetscCall(PetscFree(d->pop[q].midx));
  }
  PetscCall(PetscSortRemoveDupsInt(&nslot, slotgid));
  for (PetscInt k = 0; k < ngj; k++) PetscCall(PetscFindInt(gnb[k], nslot, slotgid, &gnb[k]));
  for (PetscInt k = 0; k < dptr[n]; k++)
    if (dnb[k] < 0) {
      PetscInt s;
      PetscCall(PetscFindInt(-1 - dnb[k], nslot, slotgid, &s));
      dnb[k] = -1 - s;
    }
  /* each astrocyte's rank and index there (every rank's rows, in their order) */
  PetscCall(PetscMalloc2(N, &arank, N, &aidx));
  PetscCall(RowOwners(m, arank, NULL, aidx));
  PetscCall(PetscMalloc1(nslot + 1, &remote));
  for (PetscInt s = 0; s < nslot; s++) remote[s].rank = arank[slotgid[s]], remote[s].index = aidx[slotgid[s]];
  PetscCall(PetscFree2(arank, aidx));
  PetscCall(PetscFree(slotgid));
  PetscCall(PetscSFCreate(m->comm, &sf));
  PetscCall(PetscSFSetGraph(sf, n, nslot, NULL, PETSC_OWN_POINTER, remote, PETSC_OWN_POINTER));
  PetscCall(PetscSFSetUp(sf));
  PetscCall(SpikingAstroSetCoupling(&d->astro, sf, nslot, gptr, gnb, gpar, dptr, dnb, dpar));
  PetscCall(PetscSFDestroy(&sf));
  for (PetscInt p = 0; p < d->nproj; p++) {
    PetscCall(PetscFree(d->proj[p].gj));
    d->proj[p].ngj = 0;
  }
  {
    double total[2] = {(double)ngj, (double)dptr[n]};
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, total, 2, MPI_DOUBLE, MPI_SUM, m->comm));
    d->ngap = (PetscCount)total[0], d->nlinks = (PetscCount)total[1] / 2;
  }
  PetscFunctionReturn(0);
}

/* The Gamma_S of the astrocytes of the local gliotransmission synapses: their places in glv (gls from natural
   ids to places) and the star forest from their ranks.  Collective. */
static PetscErrorCode GlioSetUp(TpModel m)
{
  Spiking *d      = m->data;
  const size_t ns = (size_t)d->r.nloc * d->Gmax;
  PetscInt *gid, n = 0, *arank, *aidx;
  PetscSFNode *remote;

  PetscFunctionBegin;
  if (!d->glio) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(ns + 1, &gid));
  for (size_t k = 0; k < ns; k++)
    if (d->gls[k] >= 0) gid[n++] = d->gls[k];
  PetscCall(PetscSortRemoveDupsInt(&n, gid));
  for (size_t k = 0; k < ns; k++)
    if (d->gls[k] >= 0) {
      PetscInt l;
      PetscCall(PetscFindInt(d->gls[k], n, gid, &l));
      d->gls[k] = (int32_t)l;
    }
  PetscCall(PetscMalloc2(d->r.N, &arank, d->r.N, &aidx));
  PetscCall(RowOwners(m, arank, NULL, aidx));
  PetscCall(PetscMalloc1(n + 1, &remote));
  for (PetscInt l = 0; l < n; l++) remote[l].rank = arank[gid[l]], remote[l].index = aidx[gid[l]];
  PetscCall(PetscFree2(arank, aidx));
  PetscCall(PetscFree(gid));
  PetscCall(PetscSFCreate(m->comm, &d->glsf));
  PetscCall(PetscSFSetGraph(d->glsf, d->astro.n, n, NULL, PETSC_OWN_POINTER, remote, PETSC_OWN_POINTER));
  PetscCall(PetscSFSetUp(d->glsf));
  PetscCall(PetscCalloc1(n + 1, &d->glv));
  PetscFunctionReturn(0);
}

/* The held Gamma_S from the astrocytes' ranks.  Collective. */
static PetscErrorCode GlioRefresh(Spiking *d)
{
  PetscFunctionBegin;
  if (!d->glio) PetscFunctionReturn(0);
  PetscCall(PetscSFBcastBegin(d->glsf, MPI_DOUBLE, d->astro.gam, d->glv, MPI_REPLACE));
  PetscCall(PetscSFBcastEnd(d->glsf, MPI_DOUBLE, d->astro.gam, d->glv, MPI_REPLACE));
  PetscFunctionReturn(0);
}

/* The synapses onto the local neurons, each projection's drawn from the stream keyed by
   (projection, target), stored by presynaptic neuron. */
static PetscErrorCode SpikingWire(TpModel m)
{
  Spiking *d = m->data;
  PetscInt N = d->r.N, maxk = 0;
  d->maskbad     = INT64_MAX;
  char *marked   = NULL;
  PetscInt *pick = NULL;
  Wiring W       = {.d = d, .only = -1};
  double expect  = 0, total;

  PetscFunctionBegin;
  for (PetscInt p = 0; p < d->nproj; p++)
    if (d->proj[p].rule == RULE_FIXED_INDEGREE && !d->proj[p].multapses) maxk = PetscMax(maxk, d->proj[p].indegree);
  if (maxk) PetscCall(PetscCalloc2(N, &marked, maxk, &pick));
  {
    PetscInt most = 0;
    for (PetscInt q = 0; q < d->npop; q++) most = PetscMax(most, d->pop[q].size);
    PetscCall(PetscMalloc2(most + 1, &d->cand, most + 1, &d->cw));
    for (PetscInt p = 0; p < d->nproj; p++)
      if (d->proj[p].rule == RULE_DISTANCE || d->proj[p].masked)
        PetscCall(CellsSetUp(&d->pop[d->proj[p].src], d->proj[p].radius, &d->proj[p].cells));
    for (PetscInt p = 0; p < d->nproj; p++)
      if (d->proj[p].pool_nearest) { /* cells about the astrocytes' spacing wide */
        const Population *A = &d->pop[d->proj[p].third];
        double lo[3], len[3], vol = 1;
        PositionBox(A, lo, len);
        for (PetscInt a = 0; a < A->dim; a++) vol *= len[a] > 0 ? len[a] : 1;
        PetscCall(CellsSetUp(A, PetscMax(pow(vol / A->size, 1.0 / A->dim), 1e-300), &d->proj[p].acells));
      }
  }
  PetscCall(ThirdFactorEdges(m, marked, pick));
  PetscCall(GapEdges(m, marked, pick));
  /* refuse what cannot fit before drawing anything */
  for (PetscInt i = 0; i < d->r.nloc; i++) {
    const PetscInt q = d->popof[i];
    for (PetscInt p = 0; p < d->nproj; p++) {
      const Projection *J = &d->proj[p];
      if (J->tgt != q) continue;
      expect += J->rule == RULE_FIXED_INDEGREE ? J->indegree
                : J->rule == RULE_ALL_TO_ALL   ? d->pop[J->src].size
                : J->rule == RULE_DISTANCE     ? J->p * DistanceExpect(&d->pop[J->src], J->radius)
                : HAS_EDGES(J)                 ? 0
                                               : J->p * d->pop[J->src].size;
    }
  }
  for (PetscInt p = 0; p < d->nproj; p++) expect += HAS_EDGES(&d->proj[p]) ? (double)d->proj[p].nfe : 0;
  PetscCheck(expect < 4e9, PETSC_COMM_SELF, PETSC_ERR_MEM,
             "The projections make %.4g synapses on one rank; use more ranks", expect);
  PetscCall(PetscCalloc1(N + 1, &W.pos));
  PetscCall(PetscCalloc1(d->r.nloc + 1, &W.pin));
  PetscCall(PetscCalloc1(d->r.nloc + 1, &W.gin));
  if (d->glio) PetscCall(PetscCalloc3(N + 1, &W.gmark, N + 1, &W.gast, N + 1, &W.gslot));
  PetscCall(Draw(&W, marked, pick)); /* counts */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &d->maskbad, 1, MPIU_INT64, MPI_MIN, m->comm));
  if (d->maskbad != INT64_MAX) {
    const Projection *J = &d->proj[d->maskbad % SPIKING_MAX_PROJ];
    const PetscInt g = (PetscInt)(d->maskbad / SPIKING_MAX_PROJ), q = PopOf(d, g);
    SETERRQ(m->comm, PETSC_ERR_ARG_OUTOFRANGE,
            "Projection %s (fixed_indegree %" PetscInt_FMT " within -%s%s_radius %g um): %s %" PetscInt_FMT
            " has %s in its mask; widen the radius%s",
            J->name, J->indegree, m->prefix, J->name, (double)J->radius, d->pop[q].name, g - d->pop[q].first,
            J->multapses ? "no source" : "fewer distinct sources than that", J->multapses ? "" : " or allow multapses");
  }
  d->ncol = 0;
  for (PetscInt j = 0; j < N; j++) d->colof[j] = W.pos[j] || d->isgate[PopOf(d, j)] ? d->ncol++ : -1;
  PetscCheck(d->ncol < INT32_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP, "More than 2^31 presynaptic neurons on one rank");
  PetscCall(PetscMalloc4(d->ncol + 1, &d->outptr, d->ncol + 1, &d->colgid, d->ncol + 1, &d->collocal, d->ncol + 1,
                         &d->colpop));
  d->outptr[0] = 0;
  for (PetscInt j = 0, c = 0; j < N; j++)
    if (d->colof[j] >= 0) {
      d->outptr[c + 1] = d->outptr[c] + W.pos[j];
      d->colgid[c]     = j;
      d->colpop[c]     = (uint8_t)PopOf(d, j);
      c++;
    }
  d->nsyn_loc = d->outptr[d->ncol];
  PetscCall(PetscMalloc1(d->nsyn_loc + 1, &d->tgt));
  if (d->persyn) PetscCall(PetscMalloc2(d->nsyn_loc + 1, &d->fw, d->nsyn_loc + 1, &d->fd));
  for (PetscInt j = 0; j < N; j++)
    if (W.pos[j]) W.pos[j] = d->outptr[d->colof[j]];
  /* the plastic and gliotransmission synapses by target: every row as many slots as the most onto one,
     refused before anything is allocated when they cannot fit on this node */
  {
    PetscInt most[2] = {0, 0};
    double bytes, node;
    PetscMPIInt on_node;
    for (PetscInt i = 0; i < d->r.nloc; i++)
      most[0] = PetscMax(most[0], W.pin[i]), most[1] = PetscMax(most[1], W.gin[i]);
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, most, 2, MPIU_INT, MPI_MAX, m->comm));
    d->Kmax = most[0], d->Gmax = most[1];
    bytes = (double)d->r.nloc * (d->Kmax * (20.0 + (d->gated ? 16 : 0)) + d->Gmax * 20.0);
    PetscCall(TpNodeMemory(m->comm, &node, &on_node));
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &bytes, 1, MPI_DOUBLE, MPI_MAX, m->comm));
    PetscCheck(bytes * on_node < 0.9 * node, m->comm, PETSC_ERR_MEM,
               "The plastic (STDP) and gliotransmission synapses are kept by target, every neuron with as many slots "
               "as the most onto one (%" PetscInt_FMT " plastic, %" PetscInt_FMT
               " with gliotransmission): %.3g GiB per rank, and %d ranks of this node have %.3g GiB. An astrocyte "
               "covering many sources' synapses, or a target of very many plastic ones, makes every row pay for it: "
               "spread them, or use more nodes",
               d->Kmax, d->Gmax, bytes / 1073741824.0, on_node, node / 1073741824.0);
    PetscCheck((double)d->r.nloc * PetscMax(d->Kmax, d->Gmax) < 4e9, PETSC_COMM_SELF, PETSC_ERR_MEM,
               "%" PetscInt_FMT " neurons with up to %" PetscInt_FMT " plastic and %" PetscInt_FMT
               " gliotransmission synapses each do not fit; use more ranks",
               d->r.nloc, d->Kmax, d->Gmax);
  }
  if (d->spw) {
    PetscCall(PetscMalloc4(d->nsyn_loc + 1, &d->wpos, (size_t)d->r.nloc * d->Kmax + 1, &d->sw,
                           (size_t)d->r.nloc * d->Kmax + 1, &d->scol, (size_t)d->r.nloc * d->Kmax + 1, &d->ssrc));
    for (size_t k = 0; k < (size_t)d->r.nloc * d->Kmax; k++) d->sw[k] = NAN, d->scol[k] = -1, d->ssrc[k] = -1;
    if (d->gated) PetscCall(PetscMalloc1((size_t)d->r.nloc * d->Kmax * 2 + 1, &d->selig));
    PetscCall(PetscArrayzero(W.pin, d->r.nloc));
  }
  if (d->glio) {
    PetscCall(PetscMalloc3(d->nsyn_loc + 1, &d->gpos, (size_t)d->r.nloc * d->Gmax * 2 + 1, &d->gux,
                           (size_t)d->r.nloc * d->Gmax + 1, &d->gls));
    for (size_t k = 0; k < (size_t)d->r.nloc * d->Gmax; k++) d->gls[k] = -2;
    PetscCall(PetscArrayzero(W.gin, d->r.nloc));
    PetscCall(PetscArrayzero(W.gmark, N)); /* (the fill's pass over the same draws) */
    PetscCall(PetscArrayzero(W.pc, SPIKING_MAX_PROJ));
  }
  W.fill = PETSC_TRUE;
  PetscCall(PetscArrayzero(W.fcur, SPIKING_MAX_PROJ));
  PetscCall(Draw(&W, marked, pick)); /* places */
  for (PetscInt p = 0; p < d->nproj; p++) {
    PetscCall(PetscFree(d->proj[p].fe));
    PetscCall(PetscFree(d->proj[p].pastro));
    d->proj[p].npa = 0;
  }
  PetscCall(PetscFree(W.pos));
  PetscCall(PetscFree(W.pin));
  PetscCall(PetscFree(W.gin));
  if (d->glio) PetscCall(PetscFree3(W.gmark, W.gast, W.gslot));
  if (maxk) PetscCall(PetscFree2(marked, pick));
  PetscCall(PetscFree2(d->cand, d->cw));
  for (PetscInt p = 0; p < d->nproj; p++) {
    PetscCall(PetscFree2(d->proj[p].cells.start, d->proj[p].cells.mem));
    PetscCall(PetscFree2(d->proj[p].acells.start, d->proj[p].acells.mem));
  }
  total = (double)d->nsyn_loc;
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &total, 1, MPI_DOUBLE, MPI_SUM, m->comm));
  d->nsyn = (PetscCount)total;
  PetscFunctionReturn(0);
}

/* Whether the spikes of population q travel to its columns: an astrocyte's calcium events only where they gate
   (they are otherwise only recorded).  A rank's in-neighbours and the senders' out-neighbours both follow it. */
static inline PetscBool Travels(const Spiking *d, PetscInt q)
{
  return (PetscBool)(!IS_ASTRO(&d->pop[q]) || d->isgate[q]);
}

/* The ghost plan of the spike exchange: a PetscSF whose leaves are the columns and roots their sources'
   rows; gathered through it, each local neuron's columns on other ranks (or here); and the ranks that
   spikes go to and come from as the neighbours of a graph communicator.  An astrocyte's calcium events
   travel only where they gate (they are otherwise only recorded).  Collective. */
static PetscErrorCode ExchangeSetUp(TpModel m)
{
  Spiking *d       = m->data;
  const PetscInt N = d->r.N, nloc = d->r.nloc, ncol = d->ncol;
  PetscMPIInt size, rank, *to, *from;
  PetscInt *owner, *orow, *lrank, *lcol, *mrank, *mcol, nmulti = 0, nrem = 0, M;
  PetscInt64 ghost = 0, mine[2];
  PetscSFNode *remote;
  const PetscInt *deg;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(m->comm, &size));
  PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
  /* each column's source: its rank and row there, and the ranks this one hears (whose spikes travel here) */
  PetscCall(PetscMalloc2(N + 1, &owner, N + 1, &orow));
  PetscCall(RowOwners(m, owner, orow, NULL));
  PetscCall(PetscMalloc1(ncol + 1, &remote));
  PetscCall(PetscCalloc2(size + 1, &to, size + 1, &from));
  for (PetscInt c = 0; c < ncol; c++) {
    const PetscInt g = d->colgid[c];
    remote[c].rank = owner[g], remote[c].index = orow[g];
    d->collocal[c] = owner[g] == rank ? orow[g] : -1;
    ghost += d->collocal[c] < 0;
    if (owner[g] != rank && Travels(d, d->colpop[c])) from[owner[g]] = 1;
  }
  PetscCall(PetscFree2(owner, orow));
  PetscCall(PetscSFCreate(m->comm, &d->colsf));
  PetscCall(PetscSFSetGraph(d->colsf, nloc, ncol, NULL, PETSC_COPY_VALUES, remote, PETSC_OWN_POINTER));
  PetscCall(PetscSFSetUp(d->colsf));
  /* every column of each local neuron: (rank, column there), gathered to the neuron's row */
  PetscCall(PetscSFComputeDegreeBegin(d->colsf, &deg));
  PetscCall(PetscSFComputeDegreeEnd(d->colsf, &deg));
  for (PetscInt i = 0; i < nloc; i++) nmulti += deg[i];
  PetscCall(PetscMalloc4(ncol + 1, &lrank, ncol + 1, &lcol, nmulti + 1, &mrank, nmulti + 1, &mcol));
  for (PetscInt c = 0; c < ncol; c++) lrank[c] = rank, lcol[c] = c;
  PetscCall(PetscSFGatherBegin(d->colsf, MPIU_INT, lrank, mrank));
  PetscCall(PetscSFGatherEnd(d->colsf, MPIU_INT, lrank, mrank));
  PetscCall(PetscSFGatherBegin(d->colsf, MPIU_INT, lcol, mcol));
  PetscCall(PetscSFGatherEnd(d->colsf, MPIU_INT, lcol, mcol));
  for (PetscInt i = 0, o = 0; i < nloc; o += deg[i++])
    for (PetscInt q = o; q < o + deg[i] && Travels(d, d->popof[i]); q++)
      if (mrank[q] != rank) nrem++, to[mrank[q]] = 1;
  d->nout = d->nin = 0;
  for (PetscMPIInt r = 0; r < size; r++) d->nout += to[r], d->nin += from[r];
  M = PetscMax(d->nout, d->nin) + 1;
  PetscCall(PetscMalloc5(M, &d->outrank, M, &d->inrank, M, &d->outblk, M, &d->inblk, M, &d->ocnt));
  PetscCall(PetscMalloc5(M, &d->scnt, M, &d->sdsp, M, &d->rcnt, M, &d->rdsp, M, &d->odsp));
  PetscCall(PetscMalloc1(4 * M, &d->req));
  for (PetscMPIInt r = 0, k = 0, l = 0; r < size; r++) {
    if (from[r]) d->inrank[l++] = r;
    if (to[r]) to[r] = k + 1, d->outrank[k++] = r; /* (to: the place among them, + 1) */
  }
  /* each local neuron's columns here and elsewhere */
  PetscCall(PetscMalloc1(nloc + 1, &d->selfcol));
  PetscCall(PetscMalloc3(nloc + 1, &d->dptr, nrem + 1, &d->dnbr, nrem + 1, &d->dcol));
  d->dptr[0] = 0;
  for (PetscInt i = 0, o = 0; i < nloc; o += deg[i++]) {
    PetscInt k    = d->dptr[i];
    d->selfcol[i] = -1;
    for (PetscInt q = o; q < o + deg[i] && Travels(d, d->popof[i]); q++) {
      if (mrank[q] == rank)
        d->selfcol[i] = mcol[q];
      else
        d->dnbr[k] = to[mrank[q]] - 1, d->dcol[k++] = (uint32_t)mcol[q];
    }
    d->dptr[i + 1] = k;
  }
  if (d->sic) { /* the ranks with columns of each local astrocyte that sends slow inward currents (they go there) */
    PetscInt n = 0;
    PetscCall(PetscMalloc1(nloc + 1, &d->sptr));
    for (PetscInt i = 0; i < nloc; i++) n += IS_ASTRO(&d->pop[d->popof[i]]) && d->pop[d->popof[i]].nsic ? deg[i] : 0;
    PetscCall(PetscMalloc1(n + 1, &d->srank));
    d->sptr[0] = 0;
    for (PetscInt i = 0, o = 0; i < nloc; o += deg[i++]) {
      PetscInt k = d->sptr[i];
      for (PetscInt q = o; q < o + deg[i] && IS_ASTRO(&d->pop[d->popof[i]]) && d->pop[d->popof[i]].nsic; q++) {
        PetscInt j = d->sptr[i];
        while (j < k && d->srank[j] != (PetscMPIInt)mrank[q]) j++;
        if (j == k) d->srank[k++] = (PetscMPIInt)mrank[q];
      }
      d->sptr[i + 1] = k;
    }
  }
  PetscCall(PetscFree4(lrank, lcol, mrank, mcol));
  PetscCall(PetscFree2(to, from));
  /* over the ranks, for the run header: the most neighbours spikes go to and their sum, the most columns of
     other ranks' neurons and their sum */
  mine[0] = d->nout, mine[1] = ghost;
  PetscCallMPI(MPI_Allreduce(mine, d->xmost, 2, MPIU_INT64, MPI_MAX, m->comm));
  PetscCallMPI(MPI_Allreduce(mine, d->xsum, 2, MPIU_INT64, MPI_SUM, m->comm));
  d->xnone = (PetscBool)(d->xmost[0] == 0);
  for (PetscMPIInt k = 0; k < M; k++) d->outblk[k] = d->inblk[k] = 1; /* (as unit weights, then the blocks) */
  PetscCallMPI(MPI_Dist_graph_create_adjacent(m->comm, d->nin, d->inrank, d->inblk, d->nout, d->outrank, d->outblk,
                                              MPI_INFO_NULL, 0, &d->gcomm));
  for (PetscMPIInt k = 0; k < M; k++) d->outblk[k] = d->inblk[k] = 16;
  PetscFunctionReturn(0);
}

/* A spike_generator's -spike_file: SONATA spikes (/spikes/<group>/timestamps in ms, node_ids within
   the population), sorted by time, on the grid, ids within the population; every rank reads them and
   keeps its own neurons' entries. */
static PetscErrorCode ReadSpikeFile(TpModel m, Population *P)
{
  Spiking *d = m->data;
  char path[2][96], opt[112];
  hid_t f = -1;
  int nd[2];
  hsize_t dims[2][2];
  double *ts    = NULL;
  uint64_t *ids = NULL;
  long long n = 0, bad = -1;
  int what = 0; /* 1: shapes, 2: unreadable, 3: unsorted, 4: off the grid or before one step, 5: an id */

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(opt, sizeof(opt), "-%s%s_spike_file", m->prefix, P->name));
  PetscCall(PetscSNPrintf(path[0], 96, "spikes/%s/timestamps", P->spike_group));
  PetscCall(PetscSNPrintf(path[1], 96, "spikes/%s/node_ids", P->spike_group));
  PetscCall(OpenOptionFile(m, P->spike_file, H5P_DEFAULT, "spike file", opt, &f));
  if (!(TpH5GetExtent(f, path[0], &nd[0], dims[0]) && TpH5GetExtent(f, path[1], &nd[1], dims[1]) && nd[0] == 1 &&
        nd[1] == 1 && dims[0][0] == dims[1][0]))
    what = 1;
  if (!what) {
    n = (long long)dims[0][0];
    PetscCall(PetscMalloc2(n + 1, &ts, n + 1, &ids));
    if (!(TpH5ReadWhole(f, path[0], H5T_NATIVE_DOUBLE, ts, n) && TpH5ReadWhole(f, path[1], H5T_NATIVE_UINT64, ids, n)))
      what = 2;
  }
  H5Fclose(f);
  for (long long s = 0; s < n && !what; s++) {
    const double x = ts[s] / d->dt;
    if (s && !(ts[s] >= ts[s - 1]))
      what = 3, bad = s;
    else if (!(ts[s] >= d->dt * (1 - 1e-9)) || PetscAbsReal(x - round(x)) > 1e-6)
      what = 4, bad = s;
    else if (ids[s] >= (uint64_t)P->size)
      what = 5, bad = s;
  }
  if (what) {
    const double t0 = bad >= 0 ? ts[bad] : 0, t1 = bad > 0 ? ts[bad - 1] : 0;
    const unsigned long long id = bad >= 0 ? (unsigned long long)ids[bad] : 0;
    PetscCall(PetscFree2(ts, ids));
    PetscCheck(what != 1, m->comm, PETSC_ERR_FILE_UNEXPECTED,
               "Option %s: '%s' has no 1-D /%s and /%s of one length (SONATA spikes)", opt, P->spike_file, path[0],
               path[1]);
    PetscCheck(what != 2, m->comm, PETSC_ERR_FILE_READ, "Option %s: cannot read /%s or /%s of '%s'", opt, path[0],
               path[1], P->spike_file);
    PetscCheck(what != 3, m->comm, PETSC_ERR_FILE_UNEXPECTED,
               "Option %s: /%s of '%s' is not sorted by time: entry %lld is %.10g ms, after %.10g", opt, path[0],
               P->spike_file, bad, t0, t1);
    PetscCheck(what != 4, m->comm, PETSC_ERR_FILE_UNEXPECTED,
               "Option %s: /%s of '%s', entry %lld: %.10g ms is not a whole number of steps of %.6g ms from one on",
               opt, path[0], P->spike_file, bad, t0, (double)d->dt);
    SETERRQ(m->comm, PETSC_ERR_FILE_UNEXPECTED,
            "Option %s: /%s of '%s', entry %lld: node id %llu, but population %s has %" PetscInt_FMT " neurons", opt,
            path[1], P->spike_file, bad, id, P->name, P->size);
  }
  PetscCall(PetscMalloc2(n + 1, &P->fstep, n + 1, &P->frow)); /* at most all of them are local */
  P->nfile = 0;
  for (long long s = 0; s < n; s++) {
    const PetscInt i = LocalRow(d, P, P->first + (PetscInt)ids[s]);
    if (i < 0) continue;
    P->fstep[P->nfile]  = (PetscInt64)round(ts[s] / d->dt) - 1; /* fired in the step that ends at the time */
    P->frow[P->nfile++] = i;
  }
  PetscCall(PetscFree2(ts, ids));
  PetscFunctionReturn(0);
}

static PetscErrorCode SpikingSetUp(TpModel m)
{
  Spiking *d = m->data;
  const char *conn;
  PetscInt nloc = d->r.nloc, N = d->r.N, seed;
  PetscMPIInt size;
  TpFieldInfo fields[] = {
      {"V_m", TP_ENTITY_NEURON, 1, PETSC_DOUBLE, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT, "membrane potential (mV)"},
      {"I_syn", TP_ENTITY_NEURON, 2, PETSC_DOUBLE, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT,
       "excitatory and inhibitory synaptic currents (pA; conductances in nS for aeif_cond_alpha and coba_lif)"},
      {"refractory", TP_ENTITY_NEURON, 1, PETSC_INT64, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT,
       "steps left in the refractory period"},
      {"spike_count", TP_ENTITY_NEURON, 1, PETSC_INT64, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT, "spikes so far"},
      {"last_spike", TP_ENTITY_NEURON, 1, PETSC_INT64, TP_FIELD_CHECKPOINT, "step of the last spike (-1: none)"},
      {"isi", TP_ENTITY_NEURON, 3, PETSC_DOUBLE, TP_FIELD_CHECKPOINT,
       "number, sum and sum of squares of the inter-spike intervals (steps)"},
      {"ring", TP_ENTITY_NEURON, 2 * d->dring, PETSC_DOUBLE, TP_FIELD_CHECKPOINT,
       "input arriving at each step modulo the longest delay (excitatory, inhibitory)"},
      {"population_spikes", TP_ENTITY_GLOBAL, d->npop, PETSC_INT64, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT,
       "spikes of each population so far"},
      {"clock", TP_ENTITY_GLOBAL, 2, PETSC_INT64, TP_FIELD_CHECKPOINT, "steps of the last exchange and sample"},
      {"syn_rise", TP_ENTITY_NEURON, 2, PETSC_DOUBLE, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT,
       "second variables of the alpha-shaped currents or conductances (iaf_psc_alpha, aeif_cond_alpha)"},
      {"adaptation", TP_ENTITY_NEURON, 1, PETSC_DOUBLE, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT,
       "adaptation current w (pA, aeif_cond_alpha) or recovery variable u (izhikevich)"},
      {"presynaptic", TP_ENTITY_NEURON, d->tms, PETSC_DOUBLE, TP_FIELD_CHECKPOINT,
       "u and x of each outgoing Tsodyks-Markram projection of the neuron, K+ of each outgoing STDP one, then the "
       "step of its last spike"},
      {"stdp_weight", TP_ENTITY_NEURON, 0, PETSC_DOUBLE, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT,
       "weights of the STDP synapses onto each neuron, in the order they were drawn (NaN: no more)"},
      {"stdp_source", TP_ENTITY_NEURON, 0, PETSC_INT64, TP_FIELD_OUTPUT,
       "natural id of the source of each of them (-1: no more)"},
      {"stdp_post", TP_ENTITY_NEURON, 2 * d->spinw, PETSC_DOUBLE, TP_FIELD_CHECKPOINT,
       "K- of each STDP projection onto the neuron and the step its last spike reached them"},
      {"stdp_eligibility", TP_ENTITY_NEURON, 0, PETSC_DOUBLE, TP_FIELD_CHECKPOINT,
       "eligibility c of each stdp_gated synapse onto the neuron and the step it was last brought to (slots of "
       "stdp_weight)"},
      {"astrocyte", TP_ENTITY_NEURON, 4, PETSC_DOUBLE, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT,
       "IP3 (uM), Ca (uM) and h_IP3R of each astrocyte row, then the spike weight arrived since its last step "
       "(astrocyte_lr_1994); with astrocyte_gchi populations then Gamma_A, x_A, G_A (uM), the glutamate Y (uM) and Y "
       "held over the slow step, then the Gamma_S of the synapses it covers (0 where a row has no such value)"},
      {"I_SIC", TP_ENTITY_NEURON, 1, PETSC_DOUBLE, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT,
       "slow inward current from astrocytes held over the next step (pA, aeif_cond_alpha)"},
      {"sic_ring", TP_ENTITY_NEURON, d->dring, PETSC_DOUBLE, TP_FIELD_CHECKPOINT,
       "slow inward current arriving at each step modulo the longest delay (pA)"},
      {"glio_synapse", TP_ENTITY_NEURON, 0, PETSC_DOUBLE, TP_FIELD_CHECKPOINT,
       "u and x of each synapse with gliotransmission onto the neuron, in the order they were drawn"}};
  PetscBool rise = PETSC_FALSE, adap = PETSC_FALSE;
  TpSeriesInfo rate = {"rate", "observables/rate", d->npop, PETSC_TRUE,
                       "mean rate of each population since the previous sample (Hz)"};
  TpSeriesInfo vm   = {"V_m", "observables/V_m", d->nrec, PETSC_TRUE, "V_m of the -spiking_record_V neurons (mV)"};
  TpSeriesInfo as   = {"astrocyte", "observables/astrocyte", 4 * d->nreca, PETSC_TRUE,
                       "IP3 (uM), Ca (uM), h_IP3R and SIC of each -spiking_record_astro astrocyte, at the sample (with "
                         "astrocyte_gchi populations 9 values each: then Gamma_A, x_A, G_A (uM), the glutamate Y "
                         "held over the slow step (uM) and the Gamma_S of the synapses it covers, 0 for "
                         "astrocyte_lr_1994)"};
  TpSeriesInfo wts  = {"weight", "observables/weight", 0, PETSC_TRUE,
                       "weight of each -spiking_<P-Q>_record_weights synapse (the first of each pair), at the sample"};
  TpSeriesInfo tot  = {"astrocyte_total", "observables/astrocyte_total", 0, PETSC_TRUE,
                       "total IP3 and total Ca (uM) of each astrocyte population, at the sample (summed exactly in "
                        "steps of 2^-32 uM: the same on any number of ranks)"};
  PetscBool astro   = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(TpNetworkGetConnectivity(m->net, &conn));
  PetscCheck(!strcmp(conn, "none"), m->comm, PETSC_ERR_ARG_INCOMP,
             "Model spiking wires its own synapses (-spiking_projections); -connectivity %s does not apply", conn);
  PetscCall(TpNetworkGetSeed(m->net, &seed));
  d->seed = seed;
  for (PetscInt q = 0; q < d->npop; q++) { /* uniform positions, from the seed */
    Population *P = &d->pop[q];
    if (!P->uniform) continue;
    PetscCall(PetscFree(P->pos));
    PetscCall(PetscMalloc1((size_t)P->size * P->dim + 1, &P->pos));
    for (PetscInt k = 0; k < P->size; k++)
      for (PetscInt a = 0; a < P->dim; a++)
        P->pos[(size_t)k * P->dim + a] =
            P->extent[a] * TpUniform((uint64_t)d->seed, TP_STREAM_M4_POSITION, (uint64_t)(P->first + k), (uint64_t)a);
  }
  PetscCallMPI(MPI_Comm_size(m->comm, &size));
  PetscCheck((double)nloc * 2 * d->dring < 4e9, PETSC_COMM_SELF, PETSC_ERR_MEM,
             "Ring buffers of %" PetscInt_FMT " neurons x %" PetscInt_FMT " steps do not fit; use more ranks", nloc,
             d->dring);
  PetscCall(PetscMalloc6(nloc + 1, &d->popof, nloc + 1, &d->V, 2 * nloc + 1, &d->Isyn, nloc + 1, &d->refr, nloc + 1,
                         &d->nspk, nloc + 1, &d->last));
  PetscCall(PetscMalloc2(3 * nloc + 1, &d->isi, (size_t)2 * nloc * d->dring + 1, &d->ring));
  d->ringck = NULL; /* (made when a checkpoint first asks for it) */
  PetscCall(PetscCalloc2(2 * nloc + 1, &d->rise, nloc + 1, &d->adap));
  PetscCall(PetscCalloc4(nloc + 1, &d->gex, nloc + 1, &d->gin, nloc + 1, &d->rex, nloc + 1, &d->rin));
  PetscCall(PetscCalloc3(nloc + 1, &d->fired, nloc + 1, &d->pkey, nloc + 1, &d->pcnt));
  PetscCall(PetscMalloc1(N, &d->colof));
  PetscCall(PetscMalloc1(size + 1, &d->displs));
  for (PetscInt p = 0; p < d->nproj; p++)
    if (IS_GATED(&d->proj[p])) d->isgate[d->proj[p].gate] = PETSC_TRUE;
  for (PetscInt q = 0; q < d->npop; q++) d->pop[q].lo = d->pop[q].hi = -1;
  for (PetscInt i = 0; i < nloc; i++) {
    const PetscInt q = PopOf(d, TpRowGid(&d->r, i));
    d->popof[i]      = q;
    if (d->pop[q].lo < 0) d->pop[q].lo = i;
    d->pop[q].hi = i + 1;
  }
  for (PetscInt i = 1; i < nloc; i++)
    PetscCheck(TpRowGid(&d->r, i) > TpRowGid(&d->r, i - 1) && d->popof[i] >= d->popof[i - 1], PETSC_COMM_SELF,
               PETSC_ERR_PLIB, "Local neurons must come in ascending natural order");
  for (PetscInt i = 0; i < nloc; i++)
    d->pkey[i] = TpHashPrefix((uint64_t)d->seed, TP_STREAM_M4_POISSON, (uint64_t)TpRowGid(&d->r, i));
  for (PetscInt q = 0; q < d->npop; q++)
    if (d->pop[q].spike_file[0]) PetscCall(ReadSpikeFile(m, &d->pop[q]));
  PetscCall(SpikingWire(m));
  PetscCall(ExchangeSetUp(m));
  /* the exchange overlaps the next window's first step where it travels at all and every population can step
     ahead of its input (astrocytes cannot: so no slow inward current or gliotransmitter travels either) */
  for (PetscInt q = 0; q < d->npop; q++) d->overlap = (PetscBool)(d->overlap && StepsAhead(d->pop[q].type));
  d->overlap = (PetscBool)(d->overlap && !d->xnone && !d->sic && !d->glio);
  PetscCall(PetscFree(d->colof)); /* (the columns' natural ids: colgid) */
  d->gchi = PETSC_FALSE;
  for (PetscInt q = 0; q < d->npop; q++) {
    if (IS_ASTRO(&d->pop[q])) astro = PETSC_TRUE;
    if (IS_GCHI(&d->pop[q])) d->gchi = PETSC_TRUE;
  }
  d->afw = d->gchi ? 10 : 4, d->arw = d->gchi ? 9 : 4;
  PetscCall(PetscMalloc1(nloc + 1, &d->astof));
  if (astro) { /* the slow system */
    char prefix[96];
    PetscInt nast = 0;
    for (PetscInt i = 0; i < nloc; i++) d->astof[i] = IS_ASTRO(&d->pop[d->popof[i]]) ? nast++ : -1;
    PetscCall(PetscSNPrintf(prefix, sizeof(prefix), "%sastro_", m->prefix));
    PetscBool coupled = PETSC_FALSE; /* (gap junctions or cells: the same on every rank) */
    for (PetscInt p = 0; p < d->nproj; p++) coupled = (PetscBool)(coupled || IS_GAP(&d->proj[p]));
    for (PetscInt q = 0; q < d->npop; q++)
      coupled = (PetscBool)(coupled || (IS_ASTRO(&d->pop[q]) && (d->pop[q].cell_size > 1 || d->pop[q].morph_file[0])));
    PetscCall(SpikingAstroSetUp(m->comm, &d->astro, nast, d->gchi ? 6 : 3, d->astro_k, d->dt, prefix, coupled));
    PetscCall(PetscCalloc2((size_t)d->afw * nloc + 1, &d->afield, nast + 1, &d->arow));
    for (PetscInt i = 0; i < nloc; i++) {
      const PetscInt a    = d->astof[i];
      const Population *P = &d->pop[d->popof[i]];
      if (a < 0) continue;
      d->arow[a] = i;
      if (IS_GCHI(P)) {
        d->astro.gc[a]     = &P->gk;
        d->astro.theta[a]  = P->gk.C_Theta;
        d->astro.gdecay[a] = exp(-P->gk.Omega_c * d->dt);
        d->astro.gscale[a] = P->gk.rho_c * P->gk.Y_T; /* (divided by the synapses onto it below, for the mean) */
      } else {
        d->astro.par[a]   = &P->lr;
        d->astro.theta[a] = P->Ca_threshold;
      }
    }
    if (d->gchi) { /* the mean over each one's synapses (Brian2's N_incoming) */
      PetscInt *nin;
      PetscCall(PetscCalloc1(nloc + 1, &nin));
      for (PetscCount q = 0; q < d->outptr[d->ncol]; q++) nin[d->tgt[q]]++;
      for (PetscInt i = 0; i < nloc; i++)
        if (d->astof[i] >= 0 && IS_GCHI(&d->pop[d->popof[i]]) && d->pop[d->popof[i]].glu_mean && nin[i] > 0)
          d->astro.gscale[d->astof[i]] /= nin[i];
      PetscCall(PetscFree(nin));
    }
    PetscCall(CouplingSetUp(m));
    PetscCall(GlioSetUp(m));
    for (PetscInt q = 0; q < d->npop; q++) d->napop += IS_ASTRO(&d->pop[q]);
  } else
    for (PetscInt i = 0; i < nloc; i++) d->astof[i] = -1;
  if (d->sic) {
    PetscCall(PetscCalloc2(nloc + 1, &d->isic, (size_t)nloc * d->dring + 1, &d->sring));
    d->sringck = NULL;
    PetscCall(PetscMalloc1(nloc + 1, &d->sicrow));
    PetscCall(PetscCalloc3(nloc + 1, &d->sicmark, nloc + 1, &d->sictgt, nloc + 1, &d->sicS));
  }
  { /* sparse populations: astrocyte_lr_1994 fed by synapses only (no Poisson input, no edges of their own delays) */
    PetscBool any = PETSC_FALSE;
    for (PetscInt q = 0; q < d->npop; q++) {
      Population *P = &d->pop[q];
      P->sparse     = (PetscBool)(P->type == NT_ASTROCYTE_LR_1994 && !(P->poisson_rate > 0));
      for (PetscInt p = 0; p < d->nproj; p++)
        if (d->proj[p].tgt == q && d->proj[p].rule == RULE_FILE) P->sparse = PETSC_FALSE;
      any = (PetscBool)(any || P->sparse);
    }
    if (any)
      PetscCall(PetscCalloc4(d->dring, &d->drun, d->dring, &d->ndrun, d->dring, &d->capdrun, d->dring, &d->dall));
  }
  if (d->spw) PetscCall(PetscMalloc1((size_t)nloc * 2 * d->spinw + 1, &d->spost));
  if (d->tms) {
    PetscCall(PetscMalloc2((size_t)d->ncol * d->tms + 1, &d->tmcol, (size_t)nloc * d->tms + 1, &d->tmloc));
  }
  for (PetscInt q = 0; q < d->npop; q++) {
    const NeuronType t = d->pop[q].type;
    if (t == NT_IAF_PSC_ALPHA || t == NT_AEIF_COND_ALPHA) rise = PETSC_TRUE;
    if (t == NT_AEIF_COND_ALPHA || t == NT_IZHIKEVICH) adap = PETSC_TRUE;
  }
  for (PetscInt q = 0; q < d->nrec; q++) {
    d->recloc[q] = -1;
    for (PetscInt i = 0; i < nloc; i++)
      if (TpRowGid(&d->r, i) == d->rec[q]) d->recloc[q] = i;
  }
  for (PetscInt q = 0; q < d->nrw; q++) { /* the recorded weights' slots, on their targets' ranks */
    const PetscInt i = LocalRow(d, &d->pop[PopOf(d, d->rwtgt[q])], d->rwtgt[q]);
    PetscInt found   = 0;
    d->rwslot[q]     = -1;
    for (PetscInt k = 0; i >= 0 && k < d->Kmax && d->rwslot[q] < 0; k++)
      if (d->ssrc[(size_t)i * d->Kmax + k] == d->rwsrc[q]) d->rwslot[q] = (PetscInt64)i * d->Kmax + k;
    found = d->rwslot[q] >= 0;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &found, 1, MPIU_INT, MPI_SUM, m->comm));
    PetscCheck(found, m->comm, PETSC_ERR_ARG_WRONG,
               "Option -%s%s-%s_record_weights: no STDP synapse from %s %" PetscInt_FMT " to %s %" PetscInt_FMT
               " was made",
               m->prefix, d->pop[PopOf(d, d->rwsrc[q])].name, d->pop[PopOf(d, d->rwtgt[q])].name,
               d->pop[PopOf(d, d->rwsrc[q])].name, d->rwsrc[q] - d->pop[PopOf(d, d->rwsrc[q])].first,
               d->pop[PopOf(d, d->rwtgt[q])].name, d->rwtgt[q] - d->pop[PopOf(d, d->rwtgt[q])].first);
  }
  for (PetscInt q = 0; q < d->nreca; q++) {
    d->recaloc[q] = -1;
    for (PetscInt i = 0; i < nloc; i++)
      if (TpRowGid(&d->r, i) == d->reca[q]) d->recaloc[q] = i;
  }

  PetscCall(TpModelDeclareArrayField(m, &fields[0], d->V));
  PetscCall(TpModelDeclareArrayField(m, &fields[1], d->Isyn));
  PetscCall(TpModelGetNumFields(m, &d->fsyn));
  d->fsyn--;
  d->fsyr = -1;
  PetscCall(TpModelDeclareArrayField(m, &fields[2], d->refr));
  PetscCall(TpModelDeclareArrayField(m, &fields[3], d->nspk));
  PetscCall(TpModelDeclareArrayField(m, &fields[4], d->last));
  PetscCall(TpModelDeclareArrayField(m, &fields[5], d->isi));
  PetscCall(TpModelDeclareArrayField(m, &fields[6], d->ringck));
  PetscCall(TpModelGetNumFields(m, &d->fring));
  d->fring--;
  PetscCall(TpModelDeclareArrayField(m, &fields[7], d->popspk));
  PetscCall(TpModelGetNumFields(m, &d->fpop));
  d->fpop--;
  PetscCall(TpModelDeclareArrayField(m, &fields[8], d->clock));
  if (rise) {
    PetscCall(TpModelDeclareArrayField(m, &fields[9], d->rise));
    PetscCall(TpModelGetNumFields(m, &d->fsyr));
    d->fsyr--;
  }
  if (adap) PetscCall(TpModelDeclareArrayField(m, &fields[10], d->adap));
  if (d->tms) PetscCall(TpModelDeclareArrayField(m, &fields[11], d->tmloc));
  if (d->Kmax) {
    fields[12].width = fields[13].width = d->Kmax;
    PetscCall(TpModelDeclareArrayField(m, &fields[12], d->sw));
    PetscCall(TpModelDeclareArrayField(m, &fields[13], d->ssrc));
  }
  if (d->spw) PetscCall(TpModelDeclareArrayField(m, &fields[14], d->spost));
  if (d->gated && d->Kmax) {
    fields[15].width = 2 * d->Kmax;
    PetscCall(TpModelDeclareArrayField(m, &fields[15], d->selig));
  }
  if (astro) {
    fields[16].width = d->afw;
    PetscCall(TpModelDeclareArrayField(m, &fields[16], d->afield));
    PetscCall(TpModelGetNumFields(m, &d->fastro));
    d->fastro--;
  } else
    d->fastro = -1;
  if (d->sic) {
    PetscCall(TpModelDeclareArrayField(m, &fields[17], d->isic));
    PetscCall(TpModelDeclareArrayField(m, &fields[18], d->sringck));
    PetscCall(TpModelGetNumFields(m, &d->fsring));
    d->fsring--;
  } else
    d->fsring = -1;
  if (d->Gmax) {
    fields[19].width = 2 * d->Gmax;
    PetscCall(TpModelDeclareArrayField(m, &fields[19], d->gux));
  }
  PetscCall(TpModelDeclareSeries(m, &rate));
  if (d->nrec) PetscCall(TpModelDeclareSeries(m, &vm));
  as.width = d->arw * d->nreca;
  if (d->nreca) PetscCall(TpModelDeclareSeries(m, &as));
  tot.width = 2 * d->napop;
  if (d->napop) PetscCall(TpModelDeclareSeries(m, &tot));
  wts.width = d->nrw;
  if (d->nrw) PetscCall(TpModelDeclareSeries(m, &wts));
  if (d->recsyn && d->nrec) {
    TpSeriesInfo syn = {
        "I_syn", "observables/I_syn", 2 * d->nrec, PETSC_TRUE,
        "excitatory and inhibitory synaptic currents (pA) or conductances (nS) of each -spiking_record_V "
        "neuron, at the sample"};
    PetscCall(TpModelDeclareSeries(m, &syn));
  }
  for (PetscInt q = 0; q < d->npop; q++) {
    char name[3][64], help[3][128];
    TpSummaryInfo s[3] = {
        {name[0], PETSC_DOUBLE, TP_SUMMARY_MEAN, NULL, help[0]},
        {name[1], PETSC_DOUBLE, TP_SUMMARY_MEAN, NULL, help[1]},
        {name[2], PETSC_INT64, TP_SUMMARY_MEAN, NULL, help[2]},
    };
    PetscCall(PetscSNPrintf(name[0], 64, "rate_%s", d->pop[q].name));
    PetscCall(PetscSNPrintf(name[1], 64, "cv_isi_%s", d->pop[q].name));
    PetscCall(PetscSNPrintf(name[2], 64, "spikes_%s", d->pop[q].name));
    PetscCall(PetscSNPrintf(help[0], 128, "mean rate of population %s over the run (Hz)", d->pop[q].name));
    PetscCall(PetscSNPrintf(help[1], 128, "mean over the neurons of %s with two intervals or more of their CV",
                            d->pop[q].name));
    PetscCall(PetscSNPrintf(help[2], 128, "spikes of population %s", d->pop[q].name));
    for (int k = 0; k < 3; k++) PetscCall(TpModelDeclareSummary(m, &s[k]));
  }
  {
    TpSummaryInfo s = {"synapses", PETSC_INT64, 0, NULL, "synapses of the projections"};
    PetscCall(TpModelDeclareSummary(m, &s));
  }
  m->synapses      = d->nsyn;
  m->default_dt    = d->dt;
  m->default_tmax  = 1000;
  m->default_every = d->window * (PetscInt64)PetscCeilReal(10.0 / (d->window * d->dt)); /* about 10 ms */
  PetscFunctionReturn(0);
}

/* Tsodyks-Markram state at rest: u = 0, x = 1, no spike yet */
/* The rows of the astrocytes that send slow inward currents, whose current (after the last slow step) is not 0:
   they send it at every neuron step until the next slow step, in ascending rows. */
static void SicRows(Spiking *d)
{
  d->nsicrow = 0;
  for (PetscInt q = 0; q < d->npop; q++)
    for (PetscInt i = d->pop[q].lo; d->pop[q].nsic && i >= 0 && i < d->pop[q].hi; i++)
      if (d->astro.sic[d->astof[i]] != 0) d->sicrow[d->nsicrow++] = i;
}

static void TmRest(const Spiking *d, double *st)
{
  for (PetscInt k = 0; k < d->tmw; k++) st[2 * k] = 0, st[2 * k + 1] = 1;
  for (PetscInt k = 0; k < d->spw; k++) st[2 * d->tmw + k] = 0;
  st[d->tms - 1] = -1;
}

static PetscErrorCode SpikingInitialState(TpModel m)
{
  Spiking *d = m->data;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < d->r.nloc; i++) {
    const Population *P = &d->pop[d->popof[i]];
    d->V[i]             = P->V_m;
    d->gex[i] = d->gin[i] = 0;
    d->refr[i] = d->nspk[i] = 0;
    d->last[i]              = -1;
    d->isi[3 * i] = d->isi[3 * i + 1] = d->isi[3 * i + 2] = 0;
    d->rex[i] = d->rin[i] = 0;
    d->adap[i]            = P->type == NT_IZHIKEVICH ? P->U_m : 0;
    if (P->V_random)
      d->V[i] = P->V_uniform[0] + (P->V_uniform[1] - P->V_uniform[0]) *
                                      TpUniform((uint64_t)d->seed, TP_STREAM_M4_INIT, (uint64_t)TpRowGid(&d->r, i), 0);
  }
  for (PetscInt i = 0; i < d->r.nloc && d->tms; i++) TmRest(d, d->tmloc + (size_t)i * d->tms);
  for (PetscInt c = 0; c < d->ncol && d->tms; c++) TmRest(d, d->tmcol + (size_t)c * d->tms);
  for (PetscInt i = 0; i < d->r.nloc && d->spw; i++) {
    for (PetscInt k = 0; k < d->Kmax; k++) { /* the projection's weight back */
      const size_t slot = (size_t)i * d->Kmax + k;
      if (d->ssrc[slot] >= 0) d->sw[slot] = d->proj[d->projof[PopOf(d, (PetscInt)d->ssrc[slot])][d->popof[i]]].weight;
    }
    for (PetscInt k = 0; k < d->spinw; k++)
      d->spost[(size_t)i * 2 * d->spinw + 2 * k] = 0, d->spost[(size_t)i * 2 * d->spinw + 2 * k + 1] = -1;
    for (PetscInt k = 0; k < d->Kmax && d->selig; k++)
      d->selig[((size_t)i * d->Kmax + k) * 2] = 0, d->selig[((size_t)i * d->Kmax + k) * 2 + 1] = -1;
  }
  for (PetscInt i = 0; i < d->r.nloc; i++) {
    const Population *P = &d->pop[d->popof[i]];
    const PetscInt a    = d->astof[i];
    double *y;
    if (a < 0) continue;
    y    = d->astro.y + d->astro.w * a;
    y[0] = P->IP3, y[1] = P->Ca_astro, y[2] = P->h_IP3R;
    if (P->IP3_random)
      y[0] = P->IP3_uniform[0] + (P->IP3_uniform[1] - P->IP3_uniform[0]) *
                                     TpUniform((uint64_t)d->seed, TP_STREAM_M4_INIT, (uint64_t)TpRowGid(&d->r, i), 1);
    if (P->Ca_random)
      y[1] = P->Ca_uniform[0] + (P->Ca_uniform[1] - P->Ca_uniform[0]) *
                                    TpUniform((uint64_t)d->seed, TP_STREAM_M4_INIT, (uint64_t)TpRowGid(&d->r, i), 2);
    if (IS_GCHI(P)) y[3] = P->Gamma_A, y[4] = P->x_A, y[5] = P->G_A * 1000; /* (mM to uM) */
    d->astro.in[a] = d->astro.glu[a] = d->astro.gheld[a] = 0;
    d->astro.gam[a]                                      = IS_GCHI(P) ? P->Gamma_S : 0;
  }
  if (d->astro.n) SpikingAstroRefresh(&d->astro);
  if (d->sic) SicRows(d);
  d->sicheld = PETSC_FALSE; /* (the next window sends its currents) */
  for (PetscInt k = 0; k < d->dring && d->drun; k++) d->ndrun[k] = 0, d->dall[k] = 0;
  for (size_t k = 0; k < (size_t)d->r.nloc * d->Gmax; k++) d->gux[2 * k] = 0, d->gux[2 * k + 1] = 1;
  PetscCall(GlioRefresh(d));
  if (d->sic) {
    PetscCall(PetscArrayzero(d->isic, d->r.nloc));
    PetscCall(PetscArrayzero(d->sring, (size_t)d->r.nloc * d->dring));
  }
  d->nsev = 0;
  PetscCall(PetscArrayzero(d->scur, SPIKING_MAX_PROJ));
  PetscCall(PetscArrayzero(d->ring, (size_t)2 * d->r.nloc * d->dring));
  PetscCall(PetscArrayzero(d->popspk, SPIKING_MAX_POPS));
  PetscCall(PetscArrayzero(d->mypop, SPIKING_MAX_POPS));
  PetscCall(PetscArrayzero(d->obs_popspk, SPIKING_MAX_POPS));
  d->nwin = d->nrecd = 0;
  d->clock[0] = d->clock[1] = 0;
  for (PetscInt q = 0; q < d->npop; q++) d->pop[q].fcur = 0;
  PetscFunctionReturn(0);
}

/* The ring buffers by neuron (the declared field: neuron, slot, C values) from the working ones by slot
   (slot, C values, neuron), or back. */
static void RingCopy(const Spiking *d, size_t C, double *byneuron, double *byslot, PetscBool toneuron)
{
  const size_t n = (size_t)d->r.nloc, DR = (size_t)d->dring;
  for (size_t s = 0; s < DR; s++)
    for (size_t i = 0; i < n; i++)
      for (size_t c = 0; c < C; c++) {
        double *a = &byneuron[(i * DR + s) * C + c], *b = &byslot[(s * C + c) * n + i];
        if (toneuron)
          *a = *b;
        else
          *b = *a;
      }
}

/* A pair of values per neuron (the declared field, nloc x 2) from the working arrays (excitatory and
   inhibitory), or back. */
static void PairCopy(const Spiking *d, double *byneuron, double *ex, double *in, PetscBool toneuron)
{
  for (PetscInt i = 0; i < d->r.nloc; i++) {
    if (toneuron)
      byneuron[2 * i] = ex[i], byneuron[2 * i + 1] = in[i];
    else
      ex[i] = byneuron[2 * i], in[i] = byneuron[2 * i + 1];
  }
}

/* The astrocytes' state (IP3, Ca, h, pending input; with G-ChI then Gamma_A, x_A, G_A, Y, Y held) into
   the declared field by row, or back. */
static void AstroFieldCopy(Spiking *d, PetscBool tofield)
{
  SpikingAstro *A = &d->astro;
  for (PetscInt i = 0; i < d->r.nloc; i++) {
    const PetscInt a = d->astof[i];
    double *f        = d->afield + (size_t)d->afw * i, *y;
    if (a < 0) continue;
    y = A->y + A->w * a;
    if (tofield) {
      f[0] = y[0], f[1] = y[1], f[2] = y[2], f[3] = A->in[a];
      if (d->gchi) f[4] = y[3], f[5] = y[4], f[6] = y[5], f[7] = A->glu[a], f[8] = A->gheld[a], f[9] = A->gam[a];
    } else {
      y[0] = f[0], y[1] = f[1], y[2] = f[2], A->in[a] = f[3];
      if (d->gchi) y[3] = f[4], y[4] = f[5], y[5] = f[6], A->glu[a] = f[7], A->gheld[a] = f[8], A->gam[a] = f[9];
    }
  }
}

/* Collective: the spikes of each population so far, summed over the ranks' own. */
static PetscErrorCode PopulationSpikes(TpModel m)
{
  Spiking *d = m->data;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(d->mypop, d->popspk, (PetscMPIInt)d->npop, MPIU_INT64, MPI_SUM, m->comm));
  PetscFunctionReturn(0);
}

static PetscErrorCode SpikingSync(TpModel m, PetscInt f)
{
  Spiking *d = m->data;

  PetscFunctionBegin;
  PetscCall(ExchangeEnd(m)); /* (collective: every rank syncs a field at the same step) */
  if (f == d->fpop) PetscCall(PopulationSpikes(m));
  if (f == d->fsyn) PairCopy(d, d->Isyn, d->gex, d->gin, PETSC_TRUE);
  if (f == d->fsyr) PairCopy(d, d->rise, d->rex, d->rin, PETSC_TRUE);
  if (f == d->fring) {
    if (!d->ringck) { /* (only checkpoints read it: made when the first one does) */
      PetscCall(PetscMalloc1((size_t)2 * d->r.nloc * d->dring + 1, &d->ringck));
      PetscCall(TpModelSetFieldArray(m, f, d->ringck));
    }
    RingCopy(d, 2, d->ringck, d->ring, PETSC_TRUE);
  }
  if (f == d->fsring) {
    if (!d->sringck) {
      PetscCall(PetscMalloc1((size_t)d->r.nloc * d->dring + 1, &d->sringck));
      PetscCall(TpModelSetFieldArray(m, f, d->sringck));
    }
    RingCopy(d, 1, d->sringck, d->sring, PETSC_TRUE);
  }
  if (f == d->fastro) AstroFieldCopy(d, PETSC_TRUE);
  PetscFunctionReturn(0);
}

/* Per population, the sum of the local neurons' CVs of their intervals (those with two or more) and their
   number, into s[2 q], s[2 q + 1]. */
static void CvSums(const Spiking *d, double *s)
{
  for (PetscInt i = 0; i < d->r.nloc; i++) {
    const double n = d->isi[3 * i];
    if (n >= 2) {
      const double mean = d->isi[3 * i + 1] / n, var = PetscMax(d->isi[3 * i + 2] / n - mean * mean, 0);
      s[2 * d->popof[i]] += sqrt(var) / mean;
      s[2 * d->popof[i] + 1] += 1;
    }
  }
}

/* Each population's mean CV from the sums over the ranks (NaN where no neuron has two intervals). */
static void CvFromSums(Spiking *d, const double *s)
{
  for (PetscInt q = 0; q < d->npop; q++) d->cv[q] = s[2 * q + 1] > 0 ? s[2 * q] / s[2 * q + 1] : NAN;
}

static PetscErrorCode SpikingLoaded(TpModel m)
{
  Spiking *d = m->data;

  PetscFunctionBegin;
  PetscCheck(d->ringck && (!d->sic || d->sringck), PETSC_COMM_SELF, PETSC_ERR_PLIB, "The ring buffers were not loaded");
  RingCopy(d, 2, d->ringck, d->ring, PETSC_FALSE);
  if (d->sic) RingCopy(d, 1, d->sringck, d->sring, PETSC_FALSE);
  PairCopy(d, d->Isyn, d->gex, d->gin, PETSC_FALSE);
  if (d->fsyr >= 0) PairCopy(d, d->rise, d->rex, d->rin, PETSC_FALSE);
  if (d->afield) AstroFieldCopy(d, PETSC_FALSE);
  if (d->astro.n) SpikingAstroRefresh(&d->astro);
  if (d->sic) SicRows(d);
  d->sicheld = PETSC_FALSE; /* (the next window sends its currents) */
  for (PetscInt k = 0; k < d->dring && d->drun; k++) d->ndrun[k] = 0, d->dall[k] = 1; /* (the ring came back whole) */
  PetscCall(GlioRefresh(d)); /* (a checkpoint follows an exchange, which brought them) */
  d->nsev = 0;
  for (PetscInt q = 0; q < d->npop; q++) d->pop[q].fcur = 0; /* Advance skips what fired before the checkpoint */
  PetscCall(PetscArrayzero(d->scur, SPIKING_MAX_PROJ));      /* and STDP what reached its synapses */
  /* global fields come back on rank 0 */
  PetscCallMPI(MPI_Bcast(d->popspk, SPIKING_MAX_POPS, MPIU_INT64, 0, m->comm));
  PetscCallMPI(MPI_Bcast(d->clock, 2, MPIU_INT64, 0, m->comm));
  PetscCall(PetscArraycpy(d->obs_popspk, d->popspk, SPIKING_MAX_POPS));
  { /* the CVs a summary shows, should the run have no sample left to take */
    double sums[2 * SPIKING_MAX_POPS] = {0};
    CvSums(d, sums);
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, sums, (PetscMPIInt)(2 * d->npop), MPI_DOUBLE, MPI_SUM, m->comm));
    CvFromSums(d, sums);
  }
  {
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
    for (PetscInt q = 0; q < SPIKING_MAX_POPS; q++) d->mypop[q] = rank ? 0 : d->popspk[q]; /* (summed: the same) */
  }
  d->nwin = 0;
  if (d->tms) { /* the columns' copies of the presynaptic state, from the neurons' owners */
    MPI_Datatype row;
    PetscCallMPI(MPI_Type_contiguous((PetscMPIInt)d->tms, MPI_DOUBLE, &row));
    PetscCallMPI(MPI_Type_commit(&row));
    PetscCall(PetscSFBcastBegin(d->colsf, row, d->tmloc, d->tmcol, MPI_REPLACE));
    PetscCall(PetscSFBcastEnd(d->colsf, row, d->tmloc, d->tmcol, MPI_REPLACE));
    PetscCallMPI(MPI_Type_free(&row));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Push(PetscInt64 **a, PetscInt64 *n, PetscInt64 *cap, PetscInt64 v)
{
  PetscFunctionBegin;
  if (*n == *cap) {
    *cap = *cap ? 2 * *cap : 4096;
    PetscCall(PetscRealloc(sizeof(PetscInt64) * (size_t)*cap, a));
  }
  (*a)[(*n)++] = v;
  PetscFunctionReturn(0);
}

/* The spike of local neuron i in step t: counted, its interval, and kept for the exchange and the record. */
static PetscErrorCode Spike(Spiking *d, PetscInt i, PetscInt64 t)
{
  const PetscInt64 g = TpRowGid(&d->r, i), N = d->r.N;

  PetscFunctionBegin;
  d->nspk[i]++;
  if (d->last[i] >= 0) {
    const double isi = (double)(t - d->last[i]);
    d->isi[3 * i] += 1;
    d->isi[3 * i + 1] += isi;
    d->isi[3 * i + 2] += isi * isi;
  }
  d->last[i] = t;
  d->mypop[d->popof[i]]++;
  PetscCall(Push(&d->win, &d->nwin, &d->capwin, ((t - d->wstart) << 32) + i));
  {
    const Population *P = &d->pop[d->popof[i]];
    if (g - P->first < P->recspk || P->nspin) PetscCall(Push(&d->recd, &d->nrecd, &d->caprecd, t * N + g));
  }
  PetscFunctionReturn(0);
}

/* The Poisson counts of neurons lo .. hi - 1 at step t (the first k with u < F[k], at most kmax: u from
   each neuron's stream at t), times w, added to `to`.  The first pass counts up to 16 without branches
   and vectorises (restrict: the arrays are apart); the rare counts of 16 or more are made again in full. */
static __attribute__((noinline)) void PoissonLoop(const uint64_t *restrict key, uint64_t t, PetscInt lo, PetscInt hi,
                                                  const double *restrict F, int kmax, double w, double *restrict to,
                                                  int *restrict cnt)
{
  double F16[16];

  for (int j = 0; j < 16; j++) F16[j] = j < kmax ? F[j] : PETSC_INFINITY; /* (a count stops at kmax) */
  for (PetscInt i = lo; i < hi; i++) {
    const double u = TpUniformAt(key[i], t);
    int k          = 0;
    for (int j = 0; j < 16; j++) k += u >= F16[j];
    cnt[i] = k;
  }
  for (PetscInt i = lo; i < hi && kmax > 16; i++)
    if (cnt[i] == 16) cnt[i] = SpikingPoisson(TpUniformAt(key[i], t), F, kmax);
  for (PetscInt i = lo; i < hi; i++) to[i] += cnt[i] * w;
}

/* The Poisson input each neuron of population P takes at step t, into the ring buffer's slot of the
   step (ex: excitatory, in: inhibitory), after what the spikes brought. */
static inline void PoissonInput(const Spiking *d, const Population *P, PetscInt64 t, double *ex, double *in)
{
  if (P->lambda > 0)
    PoissonLoop(d->pkey, (uint64_t)t, P->lo, P->hi, P->cdf, P->kmax, P->poisson_weight,
                P->poisson_weight >= 0 ? ex : in, d->pcnt);
}

static PetscErrorCode SpikingWindow(TpModel m, PetscInt64 *steps)
{
  PetscFunctionBegin;
  *steps = ((Spiking *)m->data)->window;
  PetscFunctionReturn(0);
}

/* a nonzero slow inward current of local astrocyte i at step t, to be sent at the window's end */
/* The slow inward current v that local row i sends at each of the len steps from t (it holds between slow steps):
   one record (key (t - wstart) N + id, len, value bits) */
static PetscErrorCode SicEvent(Spiking *d, PetscInt i, PetscInt64 t, PetscInt64 len, double v)
{
  PetscFunctionBegin;
  if (d->nsev + 3 > d->capsev) {
    d->capsev = PetscMax(4096, 2 * d->capsev);
    PetscCall(PetscRealloc(sizeof(PetscInt64) * (size_t)d->capsev, &d->sev));
    PetscCall(PetscRealloc(sizeof(PetscInt) * (size_t)(d->capsev / 3 + 1), &d->sevrow));
  }
  d->sevrow[d->nsev / 3] = i;
  d->sev[d->nsev]        = (t - d->wstart) * d->r.N + TpRowGid(&d->r, i);
  d->sev[d->nsev + 1]    = len;
  memcpy(&d->sev[d->nsev + 2], &v, sizeof(double));
  d->nsev += 3;
  PetscFunctionReturn(0);
}

/* One step of the neurons lo .. hi - 1 of one type: each reads its input (ex, in: the ring buffer's
   slot of the step) and empties it, and says whether it fired.  Functions of their own, so that restrict
   tells the compiler the arrays are apart: each loop vectorises with no run-time alias checks. */
static __attribute__((noinline)) void LoopIafPscDelta(const SpikingPropagator *restrict k, double E_L, PetscInt lo,
                                                      PetscInt hi, double *restrict V, int64_t *restrict r,
                                                      double *restrict ex, double *restrict in, int *restrict fired)
{
  const SpikingPropagator kk = *k;
  for (PetscInt i = lo; i < hi; i++) {
    double y = V[i] - E_L;
    fired[i] = IafPscDeltaStep(&kk, &y, &r[i], ex[i] + in[i]);
    V[i]     = y + E_L;
    ex[i] = in[i] = 0;
  }
}

static __attribute__((noinline)) void LoopIafPscExp(const SpikingPropagator *restrict k, double E_L, PetscInt lo,
                                                    PetscInt hi, double *restrict V, double *restrict gx,
                                                    double *restrict gi, int64_t *restrict r, double *restrict ex,
                                                    double *restrict in, int *restrict fired)
{
  const SpikingPropagator kk = *k;
  for (PetscInt i = lo; i < hi; i++) {
    double y = V[i] - E_L;
    fired[i] = IafPscExpStep(&kk, &y, &gx[i], &gi[i], &r[i], ex[i], in[i]);
    V[i]     = y + E_L;
    ex[i] = in[i] = 0;
  }
}

static __attribute__((noinline)) void LoopIafPscAlpha(const SpikingPropagator *restrict k, double E_L, PetscInt lo,
                                                      PetscInt hi, double *restrict V, double *restrict gx,
                                                      double *restrict gi, double *restrict rx, double *restrict ri,
                                                      int64_t *restrict r, double *restrict ex, double *restrict in,
                                                      int *restrict fired)
{
  const SpikingPropagator kk = *k;
  for (PetscInt i = lo; i < hi; i++) {
    double y = V[i] - E_L;
    fired[i] = IafPscAlphaStep(&kk, &y, &gx[i], &gi[i], &rx[i], &ri[i], &r[i], ex[i], in[i]);
    V[i]     = y + E_L;
    ex[i] = in[i] = 0;
  }
}

static __attribute__((noinline)) void LoopCobaLif(const CobaParams *restrict p, PetscInt lo, PetscInt hi,
                                                  double *restrict V, double *restrict gx, double *restrict gi,
                                                  int64_t *restrict r, double *restrict ex, double *restrict in,
                                                  int *restrict fired)
{
  const CobaParams cp = *p;
  for (PetscInt i = lo; i < hi; i++) {
    fired[i] = CobaLifStep(&cp, &V[i], &gx[i], &gi[i], &r[i], ex[i], -in[i]);
    ex[i] = in[i] = 0;
  }
}

static __attribute__((noinline)) void LoopIzhikevich(const IzhikevichParams *restrict p, PetscInt lo, PetscInt hi,
                                                     double *restrict V, double *restrict u, double *restrict ex,
                                                     double *restrict in, int *restrict fired)
{
  const IzhikevichParams zp = *p;
  for (PetscInt i = lo; i < hi; i++) {
    fired[i] = IzhikevichStep(&zp, &V[i], &u[i], ex[i] + in[i]);
    ex[i] = in[i] = 0;
  }
}

/* Whether any of 64 neurons' spike counts is nonzero: four vectors of 16 (GCC's vector extension; the
   compiler splits them for narrower hardware). */
static inline int AnyFired64(const int *f)
{
  typedef int v16 __attribute__((vector_size(64), aligned(4)));
  const v16 *v = (const v16 *)f, o = v[0] | v[1] | v[2] | v[3];
  typedef long long v8 __attribute__((vector_size(64)));
  const v8 w = (v8)o;
  return (w[0] | w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7]) != 0;
}

/* The first step of a window ahead of the spikes of the window that ended (they travel meanwhile): the
   types whose input is synaptic state advance without it (...Advance), then take it (LoopArrive). */
static __attribute__((noinline)) void LoopIafPscExpAhead(const SpikingPropagator *restrict k, double E_L, PetscInt lo,
                                                         PetscInt hi, double *restrict V, double *restrict gx,
                                                         double *restrict gi, int64_t *restrict r, int *restrict fired)
{
  const SpikingPropagator kk = *k;
  for (PetscInt i = lo; i < hi; i++) {
    double y = V[i] - E_L;
    fired[i] = IafPscExpAdvance(&kk, &y, &gx[i], &gi[i], &r[i]);
    V[i]     = y + E_L;
  }
}

static __attribute__((noinline)) void LoopIafPscAlphaAhead(const SpikingPropagator *restrict k, double E_L, PetscInt lo,
                                                           PetscInt hi, double *restrict V, double *restrict gx,
                                                           double *restrict gi, double *restrict rx,
                                                           double *restrict ri, int64_t *restrict r,
                                                           int *restrict fired)
{
  const SpikingPropagator kk = *k;
  for (PetscInt i = lo; i < hi; i++) {
    double y = V[i] - E_L;
    fired[i] = IafPscAlphaAdvance(&kk, &y, &gx[i], &gi[i], &rx[i], &ri[i], &r[i]);
    V[i]     = y + E_L;
  }
}

static __attribute__((noinline)) void LoopCobaLifAhead(const CobaParams *restrict p, PetscInt lo, PetscInt hi,
                                                       double *restrict V, double *restrict gx, double *restrict gi,
                                                       int64_t *restrict r, int *restrict fired)
{
  const CobaParams cp = *p;
  for (PetscInt i = lo; i < hi; i++) fired[i] = CobaLifAdvance(&cp, &V[i], &gx[i], &gi[i], &r[i]);
}

static __attribute__((noinline)) void LoopArrive(PetscInt lo, PetscInt hi, double a_ex, double a_in,
                                                 double *restrict s_ex, double *restrict s_in, double *restrict ex,
                                                 double *restrict in)
{
  for (PetscInt i = lo; i < hi; i++) {
    SpikingArrive(&s_ex[i], &s_in[i], a_ex, a_in, ex[i], in[i]);
    ex[i] = in[i] = 0;
  }
}

typedef enum { STEP_WHOLE, STEP_AHEAD, STEP_ARRIVE } StepPart;

/* Step t of the local neurons of population P: whole (the input of each neuron, ring buffer and Poisson,
   then one loop per type, which reads the input from the ring's slot and empties it for its next turn,
   dring steps on; then the spikes), or in two parts, ahead of the input (and the spikes) and then the
   input (Poisson after the ring's deliveries, as whole). */
static PetscErrorCode StepPopulation(Spiking *d, Population *P, PetscInt64 t, StepPart part)
{
  const PetscInt slot = (PetscInt)(t % d->dring);
  const PetscInt lo = P->lo, hi = P->hi;
  const double E_L   = P->E_L;
  double *restrict V = d->V, *restrict ad = d->adap;
  double *restrict gx = d->gex, *restrict gi = d->gin, *restrict rx = d->rex, *restrict ri = d->rin;
  double *restrict ex = d->ring + (size_t)slot * 2 * d->r.nloc, *restrict in = ex + d->r.nloc; /* its input */
  int64_t *restrict r = d->refr;
  int *restrict fired = d->fired;
  /* the parameters as locals: loads the compiler can hoist, so the loops vectorise */
  const SpikingPropagator kk = P->k;
  CobaParams cp              = P->coba;
  IzhikevichParams zp        = P->izh;
  AdexParams ap              = P->adex;

  PetscFunctionBegin;
  if (P->type == NT_SPIKE_GENERATOR) {
    if (part == STEP_ARRIVE) PetscFunctionReturn(0);
    while (P->fcur < P->nfile && P->fstep[P->fcur] < t) P->fcur++; /* (after a restart: those already fired) */
    for (; P->fcur < P->nfile && P->fstep[P->fcur] == t; P->fcur++) PetscCall(Spike(d, P->frow[P->fcur], t));
    for (PetscInt s = 0; s < P->ntimes; s++)
      if (P->steps[s] == t)
        for (PetscInt i = P->lo; i < P->hi; i++) PetscCall(Spike(d, i, t));
    PetscFunctionReturn(0);
  }
  if (P->ntimed) { /* I_e times the value of the block holding this step */
    const double sc = P->timed[PetscMin(t / P->timed_steps, (PetscInt64)P->ntimed - 1)];
    cp.I_e *= sc, zp.I_e *= sc, ap.I_e *= sc;
  }
  if (part == STEP_ARRIVE) {
    PoissonInput(d, P, t, ex, in);
    switch (P->type) {
    case NT_IAF_PSC_EXP:
      LoopArrive(lo, hi, 1.0, 1.0, gx, gi, ex, in);
      break;
    case NT_IAF_PSC_ALPHA:
      LoopArrive(lo, hi, kk.a0ex, kk.a0in, rx, ri, ex, in);
      break;
    case NT_COBA_LIF: /* (inhibitory weights are negative; their magnitude goes to g_in) */
      LoopArrive(lo, hi, 1.0, -1.0, gx, gi, ex, in);
      break;
    case NT_AEIF_COND_ALPHA:
      LoopArrive(lo, hi, ap.a0ex, -ap.a0in, rx, ri, ex, in);
      break;
    default:
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_PLIB, "Population %s cannot step ahead of its input", P->name);
    }
    PetscFunctionReturn(0);
  }
  if (part == STEP_WHOLE) PoissonInput(d, P, t, ex, in);
  switch (P->type) {
  case NT_IAF_PSC_DELTA:
    LoopIafPscDelta(&kk, E_L, lo, hi, V, r, ex, in, fired);
    break;
  case NT_IAF_PSC_EXP:
    if (part == STEP_AHEAD)
      LoopIafPscExpAhead(&kk, E_L, lo, hi, V, gx, gi, r, fired);
    else
      LoopIafPscExp(&kk, E_L, lo, hi, V, gx, gi, r, ex, in, fired);
    break;
  case NT_IAF_PSC_ALPHA:
    if (part == STEP_AHEAD)
      LoopIafPscAlphaAhead(&kk, E_L, lo, hi, V, gx, gi, rx, ri, r, fired);
    else
      LoopIafPscAlpha(&kk, E_L, lo, hi, V, gx, gi, rx, ri, r, ex, in, fired);
    break;
  case NT_COBA_LIF:
    if (part == STEP_AHEAD)
      LoopCobaLifAhead(&cp, lo, hi, V, gx, gi, r, fired);
    else
      LoopCobaLif(&cp, lo, hi, V, gx, gi, r, ex, in, fired);
    break;
  case NT_IZHIKEVICH:
    LoopIzhikevich(&zp, lo, hi, V, ad, ex, in, fired);
    break;
  case NT_AEIF_COND_ALPHA:
    for (PetscInt i = lo; i < hi; i++) {
      double y[6]        = {V[i], ad[i], gx[i], rx[i], gi[i], ri[i]};
      const double I_sic = d->sic ? d->isic[i] : 0.0;
      if (part == STEP_AHEAD)
        fired[i] = AeifCondAlphaAdvance(&ap, y, &r[i], I_sic);
      else
        fired[i] = AeifCondAlphaStep(&ap, y, &r[i], ex[i], -in[i], I_sic);
      V[i] = y[0], ad[i] = y[1], gx[i] = y[2], rx[i] = y[3], gi[i] = y[4], ri[i] = y[5];
      if (part == STEP_WHOLE) ex[i] = in[i] = 0;
    }
    if (d->sic) { /* the current that arrived in this step drives the next (NEST's I_SIC) */
      double *restrict sr = d->sring + (size_t)slot * d->r.nloc;
      for (PetscInt i = lo; i < hi; i++) d->isic[i] = sr[i], sr[i] = 0;
    }
    break;
  case NT_ASTROCYTE_LR_1994:
    if (P->sparse && !d->dall[slot]) { /* the rows that received input (each row's input is one sum, as below) */
      double *restrict ain = d->astro.in;
      for (size_t k = 0; k < d->ndrun[slot]; k += 2)
        for (PetscCount q = d->drun[slot][k]; q < d->drun[slot][k + 1]; q++) {
          const PetscInt i = d->tgt[q];
          ain[d->astof[i]] += ex[i], ex[i] = in[i] = 0;
        }
      PetscFunctionReturn(0); /* (astrocytes fire no step: their calcium events are spikes of the slow system) */
    }
    for (PetscInt i = lo; i < hi; i++) d->astro.in[d->astof[i]] += ex[i], fired[i] = 0, ex[i] = in[i] = 0;
    break;
  case NT_ASTROCYTE_GCHI:
    for (PetscInt i = lo; i < hi; i++)
      SpikingAstroGlutamate(&d->astro, d->astof[i], ex[i]), fired[i] = 0, ex[i] = in[i] = 0;
    break;
  default:
    break;
  }
  for (PetscInt i = lo; i < hi;) { /* 64 neurons at a time: few of them spike in a step */
    if (i + 64 <= hi && !AnyFired64(fired + i)) {
      i += 64;
      continue;
    }
    for (const PetscInt e = PetscMin(i + 64, hi); i < e; i++)
      for (int f = fired[i]; f > 0; f--) PetscCall(Spike(d, i, t));
  }
  PetscFunctionReturn(0);
}

/* nsteps steps of every local neuron, no communication but the end of the previous window's exchange when
   it still travels: its first step runs ahead of it (every population steps ahead, SpikingSetUp), it is
   delivered, and the step takes its input. */
static PetscErrorCode SpikingAdvance(TpModel m, PetscInt64 step, PetscInt64 nsteps, PetscReal dt)
{
  Spiking *d = m->data;

  PetscFunctionBegin;
  PetscCheck(dt == d->dt, m->comm, PETSC_ERR_ARG_INCOMP, "Model spiking was set up for dt %.17g, not %.17g",
             (double)d->dt, (double)dt);
  PetscCheck(!d->xtravel || d->xend == step, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "The exchange of the window to step %" PetscInt64_FMT " travels; advancing from step %" PetscInt64_FMT,
             d->xend, step);
  d->wstart = step; /* the exchange emptied the window */
  /* one delay, and no slow step ends in this window: its currents are the last window's, held (not sent again) */
  d->sicreuse =
      (PetscBool)(d->sic && d->sicdelay >= 0 && d->sicheld && (step + nsteps) / d->astro_k == step / d->astro_k);
  PetscCall(PetscLogEventBegin(EV_UPDATE, 0, 0, 0, 0));
  for (PetscInt64 t = step; t < step + nsteps; t++) {
    if (t == step && d->xtravel) {
      for (PetscInt q = 0; q < d->npop; q++)
        if (d->pop[q].lo >= 0) PetscCall(StepPopulation(d, &d->pop[q], t, STEP_AHEAD));
      PetscCall(PetscLogEventEnd(EV_UPDATE, 0, 0, 0, 0));
      PetscCall(ExchangeEnd(m));
      PetscCall(PetscLogEventBegin(EV_UPDATE, 0, 0, 0, 0));
      for (PetscInt q = 0; q < d->npop; q++)
        if (d->pop[q].lo >= 0) PetscCall(StepPopulation(d, &d->pop[q], t, STEP_ARRIVE));
    } else
      for (PetscInt q = 0; q < d->npop; q++)
        if (d->pop[q].lo >= 0) PetscCall(StepPopulation(d, &d->pop[q], t, STEP_WHOLE));
    if (d->napop) { /* the slow system, its calcium events, the currents its astrocytes send */
      PetscCall(PetscLogEventBegin(EV_ASTRO, 0, 0, 0, 0));
      PetscCall(SpikingAstroAfterNeuronStep(&d->astro, t));
      PetscCall(PetscLogEventEnd(EV_ASTRO, 0, 0, 0, 0));
      for (PetscInt e = 0; e < d->astro.nev; e++) PetscCall(Spike(d, d->arow[d->astro.ev[e]], t));
      if ((t + 1) % d->astro_k == 0) SicRows(d);
      if (!d->sicreuse && (t == step || (t + 1) % d->astro_k == 0)) { /* from t until they change or the window ends */
        const PetscInt64 k = d->astro_k, next = (t + 1) / k * k + k - 1 > t ? (t + 1) / k * k + k - 1 : t + k;
        const PetscInt64 len = PetscMin(next, step + nsteps) - t;
        for (PetscInt r = 0; r < d->nsicrow; r++)
          PetscCall(SicEvent(d, d->sicrow[r], t, len, d->astro.sic[d->astof[d->sicrow[r]]]));
      }
    }
    if (d->drun) { /* the deliveries of the step are read */
      const PetscInt slot = (PetscInt)(t % d->dring);
      d->ndrun[slot] = 0, d->dall[slot] = 0;
    }
  }
  PetscCall(PetscLogFlops(10.0 * (double)nsteps * d->r.nloc));
  PetscCall(PetscLogEventEnd(EV_UPDATE, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* The spike of a neuron (population pg; column c here or -1, local row li or -1) at step t through its
   Tsodyks-Markram projections: rel[target population] is the released fraction of each, 1 for static
   ones, and eu, ex the decays since the previous spike (for the synapses with gliotransmission, which
   keep their own u and x).  The state lives in the column's copy (to deliver) and in the owner's (to
   checkpoint); both see the neuron's spikes in time order, and both are updated. */
static PetscErrorCode TmSpike(Spiking *d, PetscInt pg, PetscInt c, PetscInt li, PetscInt64 t, double *rel, double *teu,
                              double *tex)
{
  const Population *S = &d->pop[pg];
  const PetscInt W    = d->tmw;
  double *st          = c >= 0 ? d->tmcol + (size_t)c * d->tms : li >= 0 ? d->tmloc + (size_t)li * d->tms : NULL;

  PetscFunctionBegin;
  for (PetscInt q = 0; q < d->npop; q++) rel[q] = 1;
  if (!st) PetscFunctionReturn(0);
  {
    const double last = st[d->tms - 1], gap = (double)(t - (PetscInt64)last) * d->dt;
    for (PetscInt k = 0; k < S->ntm; k++) {
      const Projection *J = &d->proj[S->tm[k]];
      const double eu     = last < 0 || J->tau_fac == 0 ? 0 : exp(-gap / J->tau_fac);
      const double ex     = last < 0 ? 0 : exp(-gap / J->tau_rec);
      rel[J->tgt]         = TsodyksMarkramRelease(J->U_0, eu, ex, &st[2 * k], &st[2 * k + 1]);
      teu[J->tgt] = eu, tex[J->tgt] = ex;
    }
    for (PetscInt k = 0; k < S->nsp; k++) { /* K+ (NEST: K+ e^{(t_last - t)/tau_plus} + 1) */
      const Projection *J = &d->proj[S->sp[k]];
      double *Kp          = &st[2 * W + k];
      *Kp                 = StdpTrace(*Kp, last, (double)t, d->dt, J->stdp.tau_plus) + 1.0;
    }
    st[d->tms - 1] = (double)t;
  }
  if (c >= 0 && li >= 0) PetscCall(PetscArraycpy(d->tmloc + (size_t)li * d->tms, st, d->tms));
  PetscFunctionReturn(0);
}

/* STDP at step T for the local postsynaptic spikes that reach their synapses then (a spike at t
   reaches those of projection J at t + d_J, NEST's dendritic delay): potentiation of each by its
   source's K+ at T, or (kminus, after T's presynaptic spikes) the spikes into K-.  Local spikes are
   kept in time order; each projection keeps its place in them. */
static void StdpPost(Spiking *d, PetscInt64 T, PetscBool kminus)
{
  const PetscInt64 N = d->r.N;

  for (PetscInt p = 0; p < d->nproj; p++) {
    const Projection *J = &d->proj[p];
    PetscInt64 c;
    if (!IS_STDP(J)) continue;
    c = d->scur[p];
    while (c < d->nrecd && d->recd[c] / N + J->dsteps < T) c++;
    d->scur[p] = c;
    for (; c < d->nrecd && d->recd[c] / N + J->dsteps == T; c++) {
      const PetscInt g = (PetscInt)(d->recd[c] % N), first = d->pop[J->tgt].first;
      const PetscInt i = g >= first && g < first + d->pop[J->tgt].size ? LocalRow(d, &d->pop[J->tgt], g) : -1;
      if (i < 0) continue; /* (a spike of another population) */
      if (kminus) {
        double *sp = d->spost + (size_t)i * 2 * d->spinw + 2 * J->spin;
        sp[0]      = StdpTrace(sp[0], sp[1], (double)T, d->dt, J->stdp.tau_minus) + 1.0;
        sp[1]      = (double)T;
        continue;
      }
      for (PetscInt k = 0; k < d->Kmax; k++) {
        const size_t slot = (size_t)i * d->Kmax + k;
        const int32_t col = d->scol[slot];
        const double *st;
        double last, kplus;
        if (col < 0) break;
        if (d->colpop[col] != J->src) continue;
        st   = d->tmcol + (size_t)col * d->tms;
        last = st[d->tms - 1];
        if (last < 0) continue; /* (a source that never fired leaves the weight as it is) */
        kplus = StdpTrace(st[2 * d->tmw + J->spk], last, (double)T, d->dt, J->stdp.tau_plus);
        if (IS_GATED(J)) { /* into the eligibility */
          double *e = d->selig + 2 * slot;
          e[0] = StdpTrace(e[0], e[1], (double)T, d->dt, J->tau_c) + StdpPotentiation(&J->stdp, d->sw[slot], kplus);
          e[1] = (double)T;
        } else
          d->sw[slot] = StdpFacilitate(&J->stdp, d->sw[slot], kplus);
      }
    }
  }
}

/* The presynaptic spike at step t through an STDP run q .. of a column (targets below hi): depression
   by each target's K- at t (its spikes that reached the synapse before t), then delivery; returns
   the end of the run.  Apart from the static loop, which it would slow. */
static __attribute__((noinline)) PetscCount StdpDeliver(Spiking *d, const Projection *J, PetscCount q, PetscCount e,
                                                        PetscInt hi, PetscInt64 t, double *rb)
{
  if (IS_GATED(J)) { /* the depression into the eligibility; the weight as it is */
    for (; q < e && d->tgt[q] < hi; q++) {
      const PetscInt i = d->tgt[q];
      const double *sp = d->spost + (size_t)i * 2 * d->spinw + 2 * J->spin;
      const double km  = StdpTrace(sp[0], sp[1], (double)t, d->dt, J->stdp.tau_minus);
      const double w   = d->sw[d->wpos[q]];
      double *c        = d->selig + 2 * (size_t)d->wpos[q];
      c[0]             = StdpTrace(c[0], c[1], (double)t, d->dt, J->tau_c) + StdpDepression(&J->stdp, w, km);
      c[1]             = (double)t;
      rb[i] += w;
    }
    return q;
  }
  for (; q < e && d->tgt[q] < hi; q++) {
    const PetscInt i = d->tgt[q];
    const double *sp = d->spost + (size_t)i * 2 * d->spinw + 2 * J->spin;
    const double km  = StdpTrace(sp[0], sp[1], (double)t, d->dt, J->stdp.tau_minus);
    double *wq       = &d->sw[d->wpos[q]];
    *wq              = StdpDepress(&J->stdp, *wq, km);
    rb[i] += *wq;
  }
  return q;
}

/* The spike of a column through the synapses [q, ...) of gliotransmission projection J onto population
   hi's end: each synapse's own Tsodyks-Markram release, U_0 modulated by its astrocyte's held Gamma_S
   (eu, ex: the decays since the column's previous spike), into ring slot rb.  Returns the next q. */
static __attribute__((noinline)) PetscCount GlioDeliver(Spiking *d, const Projection *J, PetscCount q, PetscCount e,
                                                        PetscInt hi, double eu, double ex, double *rb)
{
  uint32_t last = UINT32_MAX;
  double r      = 0;
  for (; q < e && d->tgt[q] < hi; q++) {
    const uint32_t slot = d->gpos[q];
    if (slot != last) { /* (a shared slot's synapses come one after another: one release for all) */
      const int32_t l  = d->gls[slot];
      const double U_0 = l >= 0 ? GlioU0(J->U_0, J->glio_alpha, d->glv[l]) : J->U_0;
      r                = TsodyksMarkramRelease(U_0, eu, ex, &d->gux[2 * (size_t)slot], &d->gux[2 * (size_t)slot + 1]);
      last             = slot;
    }
    rb[d->tgt[q]] += J->weight * r;
  }
  return q;
}

/* The spike at step t (ring slot base) through a run q .. of a -rule file projection's synapses
   (targets below hi), each with its own weight and delay, times the released fraction rel. */
static __attribute__((noinline)) PetscCount FileDeliver(Spiking *d, PetscCount q, PetscCount e, PetscInt hi,
                                                        PetscInt base, double rel)
{
  const PetscInt DR = d->dring;
  const size_t n    = (size_t)d->r.nloc;
  for (; q < e && d->tgt[q] < hi; q++) {
    const double w = d->fw[q] * rel;
    PetscInt slot  = base + d->fd[q];
    if (slot >= DR) slot -= DR;
    d->ring[((size_t)slot * 2 + (w < 0)) * n + d->tgt[q]] += w;
  }
  return q;
}

/* The n spikes of projection J's gating population at step T (after T's pair events): each writes the
   eligibility of J's synapses into their weights. */
static void StdpGates(Spiking *d, const Projection *J, PetscInt64 T, PetscInt64 n)
{
  const Population *P = &d->pop[J->tgt];

  for (PetscInt i = P->lo; i < P->hi; i++)
    for (PetscInt k = 0; k < d->Kmax; k++) {
      const size_t slot = (size_t)i * d->Kmax + k;
      const int32_t col = d->scol[slot];
      double *c         = d->selig + 2 * slot;
      if (col < 0) break;
      if (d->colpop[col] != J->src) continue;
      c[0]        = StdpTrace(c[0], c[1], (double)T, d->dt, J->tau_c);
      c[1]        = (double)T;
      d->sw[slot] = StdpGate(&J->stdp, d->sw[slot], c[0], (double)n * J->eta);
    }
}

/* Room for total values of received slow inward currents (and the scratch of their records) */
static PetscErrorCode SicRoom(Spiking *d, PetscInt64 total)
{
  PetscFunctionBegin;
  if (total > d->capsgath) {
    d->capsgath = PetscMax(total, 2 * d->capsgath);
    PetscCall(PetscFree(d->sgath));
    PetscCall(PetscFree2(d->sicc, d->sicv));
    PetscCall(PetscMalloc1(d->capsgath, &d->sgath));
    PetscCall(PetscMalloc2(2 * (d->capsgath / 3) + 1, &d->sicc, d->capsgath / 3 + 1, &d->sicv));
  }
  PetscFunctionReturn(0);
}

/* The gathered records (3 values each, key first) in key order: each rank's run of them is (it sends them by step,
   then row), so they are merged pairwise, log2(ranks) passes, through a second buffer */
static PetscErrorCode MergeSic(Spiking *d, PetscMPIInt size, PetscInt64 total)
{
  PetscInt64 *a = d->sgath, *b, *seg, nseg = size;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(total + 1, &b));
  PetscCall(PetscMalloc1(size + 1, &seg));
  for (PetscMPIInt r = 0; r <= size; r++) seg[r] = d->displs[r];
  while (nseg > 1) {
    PetscInt64 m = 0;
    for (PetscInt64 s = 0; s < nseg; s += 2) {
      const PetscInt64 lo = seg[s], mid = seg[PetscMin(s + 1, nseg)], hi = seg[PetscMin(s + 2, nseg)];
      PetscInt64 i = lo, j = mid, o = lo;
      while (i < mid && j < hi) {
        const PetscInt64 *src = a[i] <= a[j] ? &a[i] : &a[j];
        b[o] = src[0], b[o + 1] = src[1], b[o + 2] = src[2], o += 3;
        if (src == &a[i])
          i += 3;
        else
          j += 3;
      }
      for (; i < mid; i++) b[o++] = a[i];
      for (; j < hi; j++) b[o++] = a[j];
      seg[m++] = lo;
    }
    seg[m] = total, nseg = m;
    {
      PetscInt64 *t = a;
      a = b, b = t;
    }
  }
  {
    PetscInt64 *own = a == d->sgath ? b : a; /* (the buffer made here) */
    if (a != d->sgath) PetscCall(PetscArraycpy(d->sgath, a, total));
    PetscCall(PetscFree(own));
  }
  PetscCall(PetscFree(seg));
  PetscFunctionReturn(0);
}

/* Column c's slow inward current v, sent at step t (its first ring slot base = t mod the ring), into the I_SIC ring
   of its targets here at t plus each synapse's delay, times its weight (NEST's sic_connection) */
static void SicDeliver(Spiking *d, PetscInt c, PetscInt pg, PetscInt base, double v)
{
  const PetscInt DR = d->dring;
  const size_t n    = (size_t)d->r.nloc;

  for (PetscCount q = d->outptr[c], e = d->outptr[c + 1]; q < e;) { /* runs of one projection (by target) */
    const PetscInt tq = d->popof[d->tgt[q]], hi = d->pop[tq].hi;
    const Projection *J = &d->proj[d->projof[pg][tq]];
    double *restrict sr = d->sring;
    if (J->rule == RULE_FILE) /* its own weights and delays (a third rule's are the projection's) */
      for (; q < e && d->tgt[q] < hi; q++) {
        PetscInt slot = base + d->fd[q];
        if (slot >= DR) slot -= DR;
        sr[(size_t)slot * n + (size_t)d->tgt[q]] += d->fw[q] * v;
      }
    else {
      PetscInt slot = base + J->dsteps;
      if (slot >= DR) slot -= DR;
      sr += (size_t)slot * n;
      for (const double wv = J->weight * v; q < e && d->tgt[q] < hi; q++) sr[d->tgt[q]] += wv;
    }
  }
}

/* After a window: the window's nonzero slow inward currents (each held over a run of steps, the same runs for all:
   the window cut at slow steps) go to the ranks that hold columns of their astrocytes; each rank merges what it
   received by (step, astrocyte) and, step by step of each run, adds them into the I_SIC ring of their targets: the
   sums of sending each current at every step, in the same order. */
static PetscErrorCode SicExchange(TpModel m)
{
  Spiking *d         = m->data;
  const PetscInt64 N = d->r.N;
  PetscMPIInt size, rank;
  PetscInt64 total = 0;
  PetscBool sorted = PETSC_TRUE;

  PetscFunctionBegin;
  if (d->sicreuse) { /* the last window's sums, held over this one (every rank knows: no slow step ended) */
    const size_t nl = (size_t)d->r.nloc;
    for (PetscInt64 u = d->xstart; u < d->xend; u++) {
      double *restrict sr = d->sring + (size_t)((u + d->sicdelay) % d->dring) * nl;
      for (PetscInt j = 0; j < d->nsicheld; j++) sr[d->sictgt[j]] = d->sicS[j];
    }
    PetscFunctionReturn(0);
  }
  PetscCallMPI(MPI_Comm_size(m->comm, &size));
  PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
  if (size == 1) { /* (all here, in order) */
    total = d->nsev;
    PetscCall(SicRoom(d, total));
    PetscCall(PetscArraycpy(d->sgath, d->sev, total));
  } else { /* each record to the ranks that hold columns of its astrocyte (the spike exchange's plan), this one too */
    PetscCount *scount, *at, nrecv;
    PetscInt64 *sbuf, *recv;
    PetscMPIInt *rdispl;
    PetscCall(PetscCalloc2(size + 1, &scount, size + 1, &at));
    for (int pass = 0; pass < 2; pass++) {
      for (PetscInt64 k = 0; k < d->nsev; k += 3) {
        const PetscInt i = d->sevrow[k / 3];
        for (PetscInt q = d->sptr[i]; q < d->sptr[i + 1]; q++) {
          const PetscMPIInt to = d->srank[q];
          if (pass == 0)
            scount[to]++;
          else {
            PetscInt64 *o = &sbuf[3 * at[to]++];
            o[0] = d->sev[k], o[1] = d->sev[k + 1], o[2] = d->sev[k + 2];
          }
        }
      }
      if (pass == 0) {
        PetscCount n = 0;
        for (PetscMPIInt r = 0; r < size; r++) at[r] = n, n += scount[r];
        PetscCall(PetscMalloc1(3 * n + 1, &sbuf));
      }
    }
    PetscCall(TpExchange(m->comm, 3 * sizeof(PetscInt64), scount, sbuf, &nrecv, (void **)&recv, &rdispl));
    PetscCall(PetscFree(sbuf));
    PetscCall(PetscFree2(scount, at));
    total = 3 * (PetscInt64)nrecv;
    PetscCall(SicRoom(d, total));
    PetscCall(PetscArraycpy(d->sgath, recv, total));
    PetscCall(PetscFree(recv));
    for (PetscInt64 k = 3; k < total && sorted; k += 3) sorted = (PetscBool)(d->sgath[k - 3] < d->sgath[k]);
    for (PetscMPIInt r = 0; r <= size; r++) d->displs[r] = 3 * rdispl[r]; /* (each rank's records, in order) */
    PetscCall(PetscFree(rdispl));
  }
  if (!sorted) PetscCall(MergeSic(d, size, total));
  d->nsicheld = 0;
  for (PetscInt64 k = 0, kend; k < total; k = kend) { /* a run: the currents sent at steps t .. t + len - 1 */
    const PetscInt64 g0 = d->sgath[k] / N, t = d->xstart + g0, len = d->sgath[k + 1];
    PetscInt n = 0, c = 0;
    for (kend = k; kend < total && d->sgath[kend] / N == g0;) kend += 3;
    for (PetscInt64 r = k; r < kend; r += 3) { /* the senders with columns here: column, population, current */
      const PetscInt g = (PetscInt)(d->sgath[r] % N);
      while (c < d->ncol && d->colgid[c] < g) c++; /* (the astrocytes ascend: so do their columns) */
      if (c == d->ncol || d->colgid[c] != g) continue;
      d->sicc[2 * n] = c, d->sicc[2 * n + 1] = d->colpop[c];
      memcpy(&d->sicv[n++], &d->sgath[r + 2], sizeof(double));
    }
    if (d->sicdelay >= 0) { /* one delay: the run's currents reach each target over len consecutive slots, and nothing
                               else does: its first slot's sum, copied to the others (and kept for the next windows) */
      const PetscInt DR = d->dring, s0 = (PetscInt)((t + d->sicdelay) % DR);
      const size_t nl = (size_t)d->r.nloc;
      PetscInt nt     = 0;
      for (PetscInt r = 0; r < n; r++) {
        const PetscInt c = d->sicc[2 * r];
        SicDeliver(d, c, d->sicc[2 * r + 1], (PetscInt)(t % DR), d->sicv[r]);
        for (PetscCount q = d->outptr[c]; q < d->outptr[c + 1]; q++)
          if (!d->sicmark[d->tgt[q]]) d->sicmark[d->tgt[q]] = 1, d->sictgt[nt++] = d->tgt[q];
      }
      for (PetscInt j = 0; j < nt; j++) {
        const PetscInt i = d->sictgt[j];
        d->sicS[j]       = d->sring[(size_t)s0 * nl + (size_t)i];
        for (PetscInt64 u = 1; u < len; u++) d->sring[(size_t)((s0 + u) % DR) * nl + (size_t)i] = d->sicS[j];
        d->sicmark[i] = 0;
      }
      d->nsicheld = nt;
    } else
      for (PetscInt64 u = t; u < t + len; u++)
        for (PetscInt r = 0; r < n; r++)
          SicDeliver(d, d->sicc[2 * r], d->sicc[2 * r + 1], (PetscInt)(u % d->dring), d->sicv[r]);
  }
  d->nsev    = 0;
  d->sicheld = (PetscBool)(d->sicdelay >= 0);
  PetscFunctionReturn(0);
}

/* Room for n values in *a (capacity *cap, grown by half again). */
static PetscErrorCode Room(PetscInt64 **a, size_t *cap, size_t n)
{
  PetscFunctionBegin;
  if (n > *cap) {
    *cap = PetscMax(n, *cap + *cap / 2);
    PetscCall(PetscFree(*a));
    PetscCall(PetscMalloc1(*cap, a));
  }
  PetscFunctionReturn(0);
}

/* The block a pair's next window holds, from this window's count (both ends compute it alike). */
static inline PetscMPIInt NextBlock(PetscInt64 count)
{
  return (PetscMPIInt)PetscMin(PetscMax(16, count + count / 4), PETSC_MPI_INT_MAX / 4);
}

/* The window that ended at `step` starts to travel: its spikes to the ranks that hold their columns (d->gcomm's
   neighbours).  One neighbourhood collective in the common case: each message is a block of a count and up
   to B keys ((step - wstart) 2^32 + column there), B following the pair's previous window; the keys past a
   block follow point to point.  The window's list moves to xwin; the owners' copies of the presynaptic state
   of their spiking neurons that have no column here are updated meanwhile (those with one follow their
   column's copy). */
static PetscErrorCode ExchangeBegin(TpModel m, PetscInt64 step)
{
  Spiking *d = m->data;
  size_t sb = 0, ob = 0;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(EV_GATHER, 0, 0, 0, 0));
  d->nxreq = 0;
  for (PetscMPIInt k = 0; k < d->nout; k++) d->ocnt[k] = 0;
  for (PetscInt64 s = 0; s < d->nwin; s++) {
    const PetscInt i = (PetscInt)(d->win[s] & 0xffffffff);
    for (PetscInt q = d->dptr[i]; q < d->dptr[i + 1]; q++) d->ocnt[d->dnbr[q]]++;
  }
  for (PetscMPIInt k = 0; k < d->nout; k++) {
    PetscCheck(d->ocnt[k] < PETSC_MPI_INT_MAX / 2, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "More than 2^30 spikes to one rank in one window");
    d->scnt[k] = d->outblk[k] + 1, d->sdsp[k] = (PetscMPIInt)sb, d->odsp[k] = (PetscMPIInt)ob;
    sb += (size_t)d->scnt[k];
    ob += (size_t)PetscMax(d->ocnt[k] - d->outblk[k], 0);
  }
  PetscCall(Room(&d->sbuf, &d->capsbuf, sb + 1));
  PetscCall(Room(&d->over, &d->capover, ob + 1));
  for (PetscMPIInt k = 0; k < d->nout; k++) { /* (ocnt becomes the place of the next key) */
    d->sbuf[d->sdsp[k]] = d->ocnt[k];
    d->ocnt[k]          = 0;
  }
  for (PetscInt64 s = 0; s < d->nwin; s++) {
    const PetscInt i      = (PetscInt)(d->win[s] & 0xffffffff);
    const PetscInt64 toff = d->win[s] >> 32 << 32;
    for (PetscInt q = d->dptr[i]; q < d->dptr[i + 1]; q++) {
      const PetscMPIInt k = d->dnbr[q], at = d->ocnt[k]++;
      const PetscInt64 key = toff + d->dcol[q];
      if (at < d->outblk[k])
        d->sbuf[d->sdsp[k] + 1 + at] = key;
      else
        d->over[d->odsp[k] + at - d->outblk[k]] = key;
    }
  }
  for (PetscMPIInt k = 0, rb = 0; k < d->nin; k++) {
    d->rcnt[k] = d->inblk[k] + 1, d->rdsp[k] = rb;
    rb += d->rcnt[k];
  }
  PetscCall(Room(&d->rbuf, &d->caprbuf, (d->nin ? (size_t)d->rdsp[d->nin - 1] + d->rcnt[d->nin - 1] : 0) + 1));
  /* the blocks (tag 1; point to point, as Open MPI's neighbourhood collective does it, without the schedule
     its nonblocking one builds each time), then the keys past them (tag 0); in req the blocks' receives first */
  for (PetscMPIInt k = 0; k < d->nin; k++)
    PetscCallMPI(
        MPI_Irecv(d->rbuf + d->rdsp[k], d->rcnt[k], MPIU_INT64, d->inrank[k], 1, d->gcomm, &d->req[d->nxreq++]));
  for (PetscMPIInt k = 0; k < d->nout; k++)
    PetscCallMPI(
        MPI_Isend(d->sbuf + d->sdsp[k], d->scnt[k], MPIU_INT64, d->outrank[k], 1, d->gcomm, &d->req[d->nxreq++]));
  for (PetscMPIInt k = 0; k < d->nout; k++)
    if (d->ocnt[k] > d->outblk[k])
      PetscCallMPI(MPI_Isend(d->over + d->odsp[k], d->ocnt[k] - d->outblk[k], MPIU_INT64, d->outrank[k], 0, d->gcomm,
                             &d->req[d->nxreq++]));
  for (PetscMPIInt k = 0; k < d->nout; k++) d->outblk[k] = NextBlock(d->ocnt[k]);
  { /* the window's list to xwin; an empty one for the next window */
    PetscInt64 *w = d->xwin, c = d->capxwin;
    d->xwin = d->win, d->capxwin = d->capwin, d->nxwin = d->nwin;
    d->win = w, d->capwin = c, d->nwin = 0;
  }
  d->xstart = d->wstart, d->xend = step, d->xtravel = PETSC_TRUE;
  PetscCall(PetscLogEventEnd(EV_GATHER, 0, 0, 0, 0));
  if (d->tms)
    for (PetscInt64 s = 0; s < d->nxwin; s++) {
      const PetscInt i = (PetscInt)(d->xwin[s] & 0xffffffff), pg = d->popof[i];
      double rel[SPIKING_MAX_POPS], teu[SPIKING_MAX_POPS], tex[SPIKING_MAX_POPS];
      if (d->selfcol[i] < 0 && (d->pop[pg].ntm || d->pop[pg].nsp))
        PetscCall(TmSpike(d, pg, -1, i, d->xstart + (d->xwin[s] >> 32), rel, teu, tex));
    }
  PetscFunctionReturn(0);
}

/* The travelling window arrives: in d->gath, sorted, the keys (step - xstart) 2^32 + column of every spike of a
   column here, this rank's own and the neighbours'. */
static PetscErrorCode SpikesToColumns(TpModel m, PetscInt64 *total)
{
  Spiking *d = m->data;
  size_t n   = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Waitall(d->nin, d->req, MPI_STATUSES_IGNORE)); /* the blocks */
  for (PetscInt64 s = 0; s < d->nxwin; s++) n += d->selfcol[d->xwin[s] & 0xffffffff] >= 0;
  for (PetscMPIInt k = 0; k < d->nin; k++) n += (size_t)d->rbuf[d->rdsp[k]];
  PetscCall(Room(&d->gath, &d->capgath, n + 1));
  n = 0;
  for (PetscInt64 s = 0; s < d->nxwin; s++) { /* this rank's own spikes to its own columns */
    const PetscInt i = (PetscInt)(d->xwin[s] & 0xffffffff);
    if (d->selfcol[i] >= 0) d->gath[n++] = (d->xwin[s] >> 32 << 32) + d->selfcol[i];
  }
  for (PetscMPIInt k = 0; k < d->nin; k++) {
    const PetscInt64 c = d->rbuf[d->rdsp[k]];
    PetscCall(PetscArraycpy(d->gath + n, d->rbuf + d->rdsp[k] + 1, PetscMin(c, d->inblk[k])));
    if (c > d->inblk[k])
      PetscCallMPI(MPI_Irecv(d->gath + n + d->inblk[k], (PetscMPIInt)(c - d->inblk[k]), MPIU_INT64, d->inrank[k], 0,
                             d->gcomm, &d->req[d->nxreq++]));
    n += (size_t)c;
    d->inblk[k] = NextBlock(c);
  }
  if (d->nxreq > d->nin) PetscCallMPI(MPI_Waitall(d->nxreq - d->nin, d->req + d->nin, MPI_STATUSES_IGNORE));
  PetscCheck(n < (size_t)PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_SUP, "More than 2^31 spikes in one window");
  PetscCall(PetscSortInt64((PetscInt)n, d->gath));
  *total = (PetscInt64)n;
  PetscFunctionReturn(0);
}

/* The end of the travelling exchange (if one travels): each rank delivers the spikes it holds columns of, in
   (step, natural id) order, into the ring buffers of their targets. */
/* A run [q0, q1) of synapses into a sparse population delivered into ring slot */
static PetscErrorCode PushRun(Spiking *d, PetscInt slot, PetscCount q0, PetscCount q1)
{
  PetscFunctionBegin;
  if (d->ndrun[slot] + 2 > d->capdrun[slot]) {
    d->capdrun[slot] = PetscMax(256, 2 * d->capdrun[slot]);
    PetscCall(PetscRealloc(sizeof(PetscCount) * d->capdrun[slot], &d->drun[slot]));
  }
  d->drun[slot][d->ndrun[slot]++] = q0, d->drun[slot][d->ndrun[slot]++] = q1;
  PetscFunctionReturn(0);
}

static PetscErrorCode ExchangeEnd(TpModel m)
{
  Spiking *d        = m->data;
  const PetscInt DR = d->dring;
  PetscInt64 total  = 0;

  PetscFunctionBegin;
  if (!d->xtravel) PetscFunctionReturn(0);
  PetscCall(PetscLogEventBegin(EV_GATHER, 0, 0, 0, 0));
  PetscCall(SpikesToColumns(m, &total));
  PetscCall(PetscLogEventEnd(EV_GATHER, 0, 0, 0, 0));
  PetscCall(PetscLogEventBegin(EV_DELIVER, 0, 0, 0, 0));
  /* the targets of every column that spiked, asked from memory at once (they lie anywhere in the synapse
     arrays, several megabytes: fetched line by line as the delivery reaches them, each waits its turn) */
  for (PetscInt64 s = 0; s < total; s++) {
    const PetscInt c = (PetscInt)(d->gath[s] & 0xffffffff);
    for (PetscCount q = d->outptr[c]; q < d->outptr[c + 1]; q += 64 / sizeof(*d->tgt)) __builtin_prefetch(d->tgt + q);
  }
  /* step by step: STDP's order at one step is potentiation by the postsynaptic spikes that reach
     their synapses then, the presynaptic spikes (depression, delivery), those postsynaptic spikes
     into K- (NEST's stdp_synapse), then the gates of stdp_gated ones.  (Every rank has a column of
     every gating neuron, so it hears every gate.) */
  for (PetscInt64 T = d->xstart, s = 0; T < d->xend; T++) {
    if (d->gated) PetscCall(PetscArraycpy(d->gate0, d->gatecnt, d->npop));
    if (d->spw) StdpPost(d, T, PETSC_FALSE);
    for (; s < total; s++) {
      const PetscInt64 key = d->gath[s], t = d->xstart + (key >> 32);
      if (t != T) break; /* the next step's */
      const PetscInt c = (PetscInt)(key & 0xffffffff), pg = d->colpop[c];
      const PetscInt base = (PetscInt)(t % DR);
      double rel[SPIKING_MAX_POPS], teu[SPIKING_MAX_POPS], tex[SPIKING_MAX_POPS];
      if (d->isgate[pg]) d->gatecnt[pg]++;
      if (d->pop[pg].ntm || d->pop[pg].nsp) { /* short- and long-term plasticity */
        PetscCall(PetscLogEventBegin(EV_PLASTIC, 0, 0, 0, 0));
        PetscCall(TmSpike(d, pg, c, d->collocal[c], t, rel, teu, tex));
        PetscCall(PetscLogEventEnd(EV_PLASTIC, 0, 0, 0, 0));
      }
      if (IS_ASTRO(&d->pop[pg])) continue; /* (an astrocyte's calcium events gate, at most) */
      /* the column's synapses come by target, so by target population: one projection, weight and
         delay per run of them */
      for (PetscCount q = d->outptr[c], e = d->outptr[c + 1]; q < e;) {
        const PetscInt tq = d->popof[d->tgt[q]], hi = d->pop[tq].hi;
        const Projection *J = &d->proj[d->projof[pg][tq]];
        const double w      = d->pop[pg].ntm ? J->weight * rel[tq] : J->weight;
        PetscInt slot       = base + J->dsteps;
        double *rb;
        if (slot >= DR) slot -= DR;
        rb = d->ring + ((size_t)slot * 2 + (J->weight < 0)) * d->r.nloc;
        if (IS_STDP(J)) {
          q = StdpDeliver(d, J, q, e, hi, t, rb);
          continue;
        }
        if (J->glio) {
          q = GlioDeliver(d, J, q, e, hi, teu[tq], tex[tq], rb);
          continue;
        }
        if (J->rule == RULE_FILE) {
          q = FileDeliver(d, q, e, hi, base, d->pop[pg].ntm ? rel[tq] : 1.0);
          continue;
        }
        if (d->pop[tq].sparse) {
          const PetscCount q0 = q;
          for (; q < e && d->tgt[q] < hi; q++) rb[d->tgt[q]] += w;
          PetscCall(PushRun(d, slot, q0, q));
          continue;
        }
        for (; q < e && d->tgt[q] < hi; q++) rb[d->tgt[q]] += w;
      }
    }
    if (d->spw) StdpPost(d, T, PETSC_TRUE);
    for (PetscInt p = 0; p < d->nproj && d->gated; p++) {
      const Projection *J = &d->proj[p];
      if (IS_GATED(J) && d->gatecnt[J->gate] > d->gate0[J->gate])
        StdpGates(d, J, T, d->gatecnt[J->gate] - d->gate0[J->gate]);
    }
  }
  if (d->sic) PetscCall(SicExchange(m));
  /* the Gamma_S the next window's spikes see: after the slow steps of this one, if it had any */
  if (d->glio && d->xend / d->astro_k != d->xstart / d->astro_k) PetscCall(GlioRefresh(d));
  PetscCall(PetscLogEventEnd(EV_DELIVER, 0, 0, 0, 0));
  d->clock[0] = d->xend;
  d->xtravel  = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* After a window: its spikes travel (ExchangeBegin()); with overlap they arrive in the next window's first
   step (SpikingAdvance()), or before anything reads the state (ExchangeEnd() in the operations that do). */
static PetscErrorCode SpikingExchange(TpModel m, PetscInt64 step)
{
  Spiking *d = m->data;

  PetscFunctionBegin;
  PetscCall(ExchangeBegin(m, step));
  if (!d->overlap) PetscCall(ExchangeEnd(m));
  PetscFunctionReturn(0);
}

/* The total IP3 and Ca of each astrocyte population, the same on any number of ranks: each value is
   rounded to a multiple of 2^-32 uM and the integers are summed (NaN where a total could overflow). */
static PetscErrorCode AstroTotals(const Spiking *d, MPI_Comm comm, double *tot)
{
  uint64_t sum[2 * SPIKING_MAX_POPS] = {0}; /* (two's complement: wraps, defined) */
  double big[2 * SPIKING_MAX_POPS]   = {0};
  PetscInt k                         = 0;

  PetscFunctionBegin;
  if (!d->napop) PetscFunctionReturn(0);
  for (PetscInt q = 0; q < d->npop; q++) {
    if (!IS_ASTRO(&d->pop[q])) continue;
    for (PetscInt i = d->pop[q].lo; i >= 0 && i < d->pop[q].hi; i++)
      for (int c = 0; c < 2; c++) {
        const double v = d->astro.y[d->astro.w * d->astof[i] + c];
        big[2 * k + c] = PetscMax(big[2 * k + c], PetscAbsReal(v));
        if (PetscAbsReal(v) < 0x1p30) sum[2 * k + c] += (uint64_t)llround(ldexp(v, 32));
      }
    k++;
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, big, 2 * (int)k, MPI_DOUBLE, MPI_MAX, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sum, 2 * (int)k, MPI_UINT64_T, MPI_SUM, comm));
  for (PetscInt q = 0, j = 0; q < d->npop; q++)
    if (IS_ASTRO(&d->pop[q])) {
      for (int c = 0; c < 2; c++) /* |sum| < size x big x 2^32 must stay below 2^62 */
        tot[2 * j + c] = big[2 * j + c] * d->pop[q].size < 0x1p30 ? ldexp((double)(int64_t)sum[2 * j + c], -32) : NAN;
      j++;
    }
  PetscFunctionReturn(0);
}

/* sample = [rate of each population since the previous sample (Hz) | V_m of the recorded neurons |
   the recorded astrocytes | the astrocyte populations' totals | the recorded weights] */
static PetscErrorCode SpikingObserve(TpModel m, double *sample)
{
  Spiking *d = m->data;
  double *buf;
  const PetscInt np = d->npop, nr = d->nrec, na = d->nreca, nw = d->nrw, aw = d->arw, ns = d->recsyn ? 2 * nr : 0,
                 W = nr + 2 * np + aw * na + nw + ns;
  double T;

  PetscFunctionBegin;
  PetscCall(ExchangeEnd(m)); /* (it sets clock[0]) */
  T = (double)(d->clock[0] - d->clock[1]) * d->dt / 1000.0;
  PetscCall(PopulationSpikes(m));
  for (PetscInt q = 0; q < np; q++) {
    sample[q]        = T > 0 ? (double)(d->popspk[q] - d->obs_popspk[q]) / d->pop[q].size / T : 0;
    d->obs_popspk[q] = d->popspk[q];
  }
  d->clock[1] = d->clock[0];
  /* V_m of the recorded neurons and, per population, the sum and number of CVs */
  PetscCall(AstroTotals(d, m->comm, sample + np + nr + aw * na));
  PetscCall(PetscCalloc1(W, &buf));
  for (PetscInt q = 0; q < nr; q++)
    if (d->recloc[q] >= 0) buf[q] = d->V[d->recloc[q]];
  for (PetscInt q = 0; q < nw; q++) /* the recorded weights, from their targets' ranks */
    if (d->rwslot[q] >= 0) buf[nr + 2 * np + aw * na + q] = d->sw[d->rwslot[q]];
  for (PetscInt q = 0; q < nr && ns; q++) /* and currents */
    if (d->recloc[q] >= 0) {
      buf[nr + 2 * np + aw * na + nw + 2 * q]     = d->gex[d->recloc[q]];
      buf[nr + 2 * np + aw * na + nw + 2 * q + 1] = d->gin[d->recloc[q]];
    }
  for (PetscInt q = 0; q < na; q++) { /* the astrocytes' owners */
    const PetscInt i = d->recaloc[q], a = i < 0 ? -1 : d->astof[i];
    double *b = buf + nr + 2 * np + aw * q, *y;
    if (a < 0) continue;
    y    = d->astro.y + d->astro.w * a;
    b[0] = y[0], b[1] = y[1], b[2] = y[2], b[3] = d->astro.sic[a];
    if (d->astro.gc[a]) b[4] = y[3], b[5] = y[4], b[6] = y[5], b[7] = d->astro.gheld[a], b[8] = d->astro.gam[a];
  }
  CvSums(d, buf + nr);
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, buf, W, MPI_DOUBLE, MPI_SUM, m->comm));
  for (PetscInt q = 0; q < nr; q++) sample[np + q] = buf[q];
  for (PetscInt q = 0; q < aw * na; q++) sample[np + nr + q] = buf[nr + 2 * np + q];
  for (PetscInt q = 0; q < nw; q++) sample[np + nr + aw * na + 2 * d->napop + q] = buf[nr + 2 * np + aw * na + q];
  for (PetscInt q = 0; q < ns; q++)
    sample[np + nr + aw * na + 2 * d->napop + nw + q] = buf[nr + 2 * np + aw * na + nw + q];
  CvFromSums(d, buf + nr);
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

static PetscErrorCode SpikingSummarize(TpModel m, const double *first, const double *last, double *values)
{
  Spiking *d     = m->data;
  const double T = (double)d->clock[0] * d->dt / 1000.0;

  PetscFunctionBegin;
  for (PetscInt q = 0; q < d->npop; q++) {
    values[3 * q]     = T > 0 ? (double)d->popspk[q] / d->pop[q].size / T : 0;
    values[3 * q + 1] = d->cv[q];
    values[3 * q + 2] = (double)d->popspk[q];
  }
  values[3 * d->npop] = (double)d->nsyn;
  PetscFunctionReturn(0);
}

static PetscErrorCode SpikingViewResult(TpModel m, const double *first, const double *last, PetscViewer v)
{
  Spiking *d     = m->data;
  const double T = (double)d->clock[0] * d->dt / 1000.0;

  double tot[2 * SPIKING_MAX_POPS];         /* astrocytes: total IP3 and Ca of each population */
  PetscInt sending[SPIKING_MAX_POPS] = {0}; /* and how many send a slow inward current */

  PetscFunctionBegin;
  PetscCall(AstroTotals(d, m->comm, tot));
  for (PetscInt q = 0; q < d->npop; q++)
    for (PetscInt i = d->pop[q].lo; IS_ASTRO(&d->pop[q]) && i >= 0 && i < d->pop[q].hi; i++)
      sending[q] += d->astro.sic[d->astof[i]] > 0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sending, (int)d->npop, MPIU_INT, MPI_SUM, m->comm));
  for (PetscInt q = 0, j = 0; q < d->npop; q++) {
    const Population *P = &d->pop[q];
    if (IS_GCHI(P)) {
      PetscCall(PetscViewerASCIIPrintf(v,
                                       "  result   %-8s mean IP3 %.4g uM, mean Ca %.4g uM, %" PetscInt64_FMT
                                       " gliotransmitter releases (%.4g per astrocyte per s)\n",
                                       P->name, tot[2 * j] / P->size, tot[2 * j + 1] / P->size, d->popspk[q],
                                       T > 0 ? (double)d->popspk[q] / P->size / T : 0.0));
      j++;
    } else if (IS_ASTRO(P)) {
      PetscCall(PetscViewerASCIIPrintf(
          v,
          "  result   %-8s mean IP3 %.4g uM, mean Ca %.4g uM, %" PetscInt_FMT " of %" PetscInt_FMT
          " sending a slow inward current, %" PetscInt64_FMT " calcium events\n",
          P->name, tot[2 * j] / P->size, tot[2 * j + 1] / P->size, sending[q], P->size, d->popspk[q]));
      j++;
    } else
      PetscCall(PetscViewerASCIIPrintf(v, "  result   %-8s %" PetscInt64_FMT " spikes, rate %.4g Hz, CV of ISI %.3g\n",
                                       P->name, d->popspk[q], T > 0 ? (double)d->popspk[q] / P->size / T : 0.0,
                                       d->cv[q]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode SpikingProgress(TpModel m, const double *sample, char *buf, size_t len)
{
  Spiking *d = m->data;
  size_t o   = 0;

  PetscFunctionBegin;
  buf[0] = 0;
  for (PetscInt q = 0; q < d->npop && o + 40 < len; q++) {
    PetscCall(PetscSNPrintf(buf + o, len - o, "%s%s %.4g Hz", q ? ", " : "rate ", d->pop[q].name, sample[q]));
    o = strlen(buf);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode SpikingView(TpModel m, PetscViewer v)
{
  Spiking *d = m->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(
      v, "  params   %s; %g synapses, window %" PetscInt_FMT " steps, ring %" PetscInt_FMT " steps\n",
      d->brunel ? "Brunel's balanced network (NEST brunel_delta_nest)" : "populations", (double)d->nsyn, d->window,
      d->dring));
  if (d->ngap)
    PetscCall(PetscViewerASCIIPrintf(v, "  gap      %g gap junctions between astrocytes\n", (double)d->ngap));
  for (PetscInt q = 0; q < d->npop; q++)
    if (IS_ASTRO(&d->pop[q]) && d->pop[q].morph_file[0])
      PetscCall(PetscViewerASCIIPrintf(
          v, "  cells    %s: %" PetscInt_FMT " processes linked as %s's /morphology, D_IP3 %g, D_Ca %g /ms\n",
          d->pop[q].name, d->pop[q].size, d->pop[q].morph_file, (double)d->pop[q].dif.D_IP3,
          (double)d->pop[q].dif.D_Ca));
    else if (IS_ASTRO(&d->pop[q]) && d->pop[q].cell_size > 1)
      PetscCall(PetscViewerASCIIPrintf(v,
                                       "  cells    %s: %" PetscInt_FMT " astrocytes of %" PetscInt_FMT
                                       " compartments (branching %" PetscInt_FMT "), D_IP3 %g, D_Ca %g /ms\n",
                                       d->pop[q].name, d->pop[q].size / d->pop[q].cell_size, d->pop[q].cell_size,
                                       d->pop[q].branching, (double)d->pop[q].dif.D_IP3, (double)d->pop[q].dif.D_Ca));
  if (d->nlinks) PetscCall(PetscViewerASCIIPrintf(v, "  links    %g between compartments\n", (double)d->nlinks));
  for (PetscInt q = 0; q < d->npop; q++) {
    const Population *P = &d->pop[q];
    if (IS_ASTRO(P) && P->IP3_random)
      PetscCall(PetscViewerASCIIPrintf(v, "  initial  %s: IP3 uniform in [%g, %g) uM per member\n", P->name,
                                       (double)P->IP3_uniform[0], (double)P->IP3_uniform[1]));
    if (IS_ASTRO(P) && P->Ca_random)
      PetscCall(PetscViewerASCIIPrintf(v, "  initial  %s: Ca uniform in [%g, %g) uM per member\n", P->name,
                                       (double)P->Ca_uniform[0], (double)P->Ca_uniform[1]));
  }
  {
    PetscMPIInt size;
    PetscCallMPI(MPI_Comm_size(m->comm, &size));
    if (size > 1)
      PetscCall(PetscViewerASCIIPrintf(
          v,
          "  exchange each rank's spikes to at most %" PetscInt64_FMT " of the %d others (%.3g "
          "on average); %.4g presynaptic neurons of other ranks per rank, at most %" PetscInt64_FMT "; %s\n",
          d->xmost[0], size - 1, (double)d->xsum[0] / size, (double)d->xsum[1] / size, d->xmost[1],
          d->overlap ? "overlapped with the next window's first step" : "not overlapped"));
  }
  for (PetscInt q = 0; q < d->npop; q++) {
    const Population *P = &d->pop[q];
    if (IS_GCHI(P)) {
      const AstroGchiParams *A = &P->gchi;
      PetscCall(PetscViewerASCIIPrintf(
          v,
          "  pop      %s: %" PetscInt_FMT
          " astrocyte_gchi (Brian2's units), O_beta %g uM/s, O_delta %g uM/s, K_P %g uM, O_N %g /(uM s), rho_c %g, "
          "Y_T %g mM, C_Theta %g uM, glutamate %s over its synapses, its synapses' O_G %g /(uM s), Omega_G %g /s; "
          "initial I %g, C %g, h %g; step %g ms; Poisson %g Hz x %g\n",
          P->name, P->size, A->O_beta, A->O_delta, A->K_P, A->O_N, A->rho_c, A->Y_T, A->C_Theta,
          P->glu_mean ? "averaged" : "summed", A->O_G, A->Omega_G, (double)P->IP3, (double)P->Ca_astro,
          (double)P->h_IP3R, (double)d->astro_dt, (double)P->poisson_rate, (double)P->poisson_weight));
      continue;
    }
    if (IS_ASTRO(P)) {
      PetscCall(PetscViewerASCIIPrintf(v,
                                       "  pop      %s: %" PetscInt_FMT
                                       " astrocyte_lr_1994, delta_IP3 %g uM, IP3_0 %g uM, "
                                       "tau_IP3 %g ms, SIC_th %g uM, initial IP3 %g, Ca %g, h %g; step %g ms; "
                                       "Poisson %g Hz x %g\n",
                                       P->name, P->size, P->lr.delta_IP3, P->lr.IP3_0, P->lr.tau_IP3, P->lr.SIC_th,
                                       (double)P->IP3, (double)P->Ca_astro, (double)P->h_IP3R, (double)d->astro_dt,
                                       (double)P->poisson_rate, (double)P->poisson_weight));
      continue;
    }
    PetscCall(
        PetscViewerASCIIPrintf(v, "  pop      %s: %" PetscInt_FMT " %s, ", P->name, P->size, NeuronTypes[P->type]));
    switch (P->type) { /* the parameters each type has */
    case NT_AEIF_COND_ALPHA:
      PetscCall(PetscViewerASCIIPrintf(
          v, "C_m %g, g_L %g, E_L %g, V_th %g, Delta_T %g, a %g, b %g, tau_w %g, V_reset %g, V_peak %g, t_ref %g, ",
          (double)P->C_m, (double)P->g_L, (double)P->E_L, (double)P->V_th, (double)P->Delta_T, (double)P->a,
          (double)P->b, (double)P->tau_w, (double)P->V_reset, (double)P->V_peak, (double)P->t_ref));
      PetscCall(PetscViewerASCIIPrintf(v, "E_ex %g, E_in %g, tau_syn %g/%g, ", (double)P->E_ex, (double)P->E_in,
                                       (double)P->tau_syn_ex, (double)P->tau_syn_in));
      break;
    case NT_COBA_LIF:
      PetscCall(PetscViewerASCIIPrintf(
          v, "C_m %g, g_L %g, E_L %g, V_th %g, V_reset %g, t_ref %g, E_ex %g, E_in %g, tau_syn %g/%g, ", (double)P->C_m,
          (double)P->g_L, (double)P->E_L, (double)P->V_th, (double)P->V_reset, (double)P->t_ref, (double)P->E_ex,
          (double)P->E_in, (double)P->tau_syn_ex, (double)P->tau_syn_in));
      break;
    case NT_IZHIKEVICH:
      PetscCall(PetscViewerASCIIPrintf(v, "a %g, b %g, c %g, d %g, V_th %g, ", (double)P->a, (double)P->b, (double)P->c,
                                       (double)P->dd, (double)P->V_th));
      break;
    case NT_SPIKE_GENERATOR:
      PetscCall(PetscViewerASCIIPrintf(v, "replaying %s\n", P->spike_file[0] ? P->spike_file : "-spike_times"));
      continue;
    default: /* iaf_psc_* */
      PetscCall(PetscViewerASCIIPrintf(v, "tau_m %g, C_m %g, V_th %g, V_reset %g, E_L %g, t_ref %g, ", (double)P->tau_m,
                                       (double)P->C_m, (double)P->V_th, (double)P->V_reset, (double)P->E_L,
                                       (double)P->t_ref));
      if (P->type != NT_IAF_PSC_DELTA)
        PetscCall(PetscViewerASCIIPrintf(v, "tau_syn %g/%g, ", (double)P->tau_syn_ex, (double)P->tau_syn_in));
    }
    PetscCall(PetscViewerASCIIPrintf(v, "I_e %g", (double)P->I_e));
    for (PetscInt k = 0; k < P->ntimed; k++)
      PetscCall(PetscViewerASCIIPrintf(v, "%s%g%s", k ? ", " : " x [", (double)P->timed[k],
                                       k + 1 < P->ntimed ? "" : "] in blocks of "));
    if (P->ntimed) PetscCall(PetscViewerASCIIPrintf(v, "%g ms", (double)P->timed_dt));
    if (P->dim) {
      if (P->grid_rows)
        PetscCall(PetscViewerASCIIPrintf(v, ", on a grid of %" PetscInt_FMT " rows %g um apart", P->grid_rows,
                                         (double)P->grid_spacing));
      else if (P->uniform && P->dim == 3)
        PetscCall(PetscViewerASCIIPrintf(v, ", uniform in %g x %g x %g um", (double)P->extent[0], (double)P->extent[1],
                                         (double)P->extent[2]));
      else if (P->uniform)
        PetscCall(PetscViewerASCIIPrintf(v, ", uniform in %g x %g um", (double)P->extent[0], (double)P->extent[1]));
      else
        PetscCall(PetscViewerASCIIPrintf(v, ", positions from %s:/%s", P->pos_file, P->pos_dataset));
      if (P->periodic) PetscCall(PetscViewerASCIIPrintf(v, " (periodic)"));
    }
    PetscCall(PetscViewerASCIIPrintf(v, ", Poisson %g Hz x %g\n", (double)P->poisson_rate, (double)P->poisson_weight));
  }
  for (PetscInt p = 0; p < d->nproj; p++) {
    const Projection *J = &d->proj[p];
    PetscCall(PetscViewerASCIIPrintf(v, "  proj     %s: %s", J->name, Rules[J->rule]));
    if (J->rule == RULE_FIXED_INDEGREE) PetscCall(PetscViewerASCIIPrintf(v, " %" PetscInt_FMT, J->indegree));
    if (J->masked) PetscCall(PetscViewerASCIIPrintf(v, " within radius %g um", (double)J->radius));
    if (J->rule == RULE_PAIRWISE_BERNOULLI) PetscCall(PetscViewerASCIIPrintf(v, " p %g", (double)J->p));
    if (J->rule == RULE_DISTANCE)
      PetscCall(PetscViewerASCIIPrintf(v, " radius %g um, p %g", (double)J->radius, (double)J->p));
    if (J->kernel != KERNEL_CONSTANT) /* (distance: times the kernel; a mask: draws in proportion to it) */
      PetscCall(PetscViewerASCIIPrintf(v, "%s %s kernel, %s %g um", J->masked ? ", drawn by a" : " x",
                                       Kernels[J->kernel], J->kernel == KERNEL_GAUSSIAN ? "sigma" : "scale",
                                       (double)J->sigma));
    if (J->rule == RULE_FILE)
      PetscCall(PetscViewerASCIIPrintf(v, " %s:/edges/%s, delays %g to %g ms", J->file, J->fgroup,
                                       (double)(J->dmin * d->dt), (double)(J->dmax * d->dt)));
    if (J->rule == RULE_THIRD) PetscCall(PetscViewerASCIIPrintf(v, " (tripartite pairs)"));
    if (J->third >= 0)
      PetscCall(PetscViewerASCIIPrintf(v, ", tripartite with %s: p_third %g, %s pools of %" PetscInt_FMT "%s%s",
                                       d->pop[J->third].name, (double)J->p_third,
                                       J->pool_block     ? "block"
                                       : J->pool_map     ? "map"
                                       : J->pool_synapse ? "synapse"
                                       : J->pool_nearest ? "nearest"
                                                         : "random",
                                       J->pool_size, J->pool_map ? " from " : "", J->pool_map ? J->pool_file : ""));
    if (IS_GAP(J))
      PetscCall(PetscViewerASCIIPrintf(v, ", F %g %s", (double)J->weight, J->gap.threshold ? "uM/ms" : "/ms"));
    else
      PetscCall(PetscViewerASCIIPrintf(v, ", weight %g, delay %g ms%s", (double)J->weight, (double)J->delay,
                                       J->rule == RULE_FILE ? " where the file has none" : ""));
    if (IS_GAP(J))
      PetscCall(PetscViewerASCIIPrintf(v, ", gap_junction %s%s", J->gap.threshold ? "thresholded" : "linear",
                                       J->symmetric ? ", symmetric" : ""));
    if (IS_GAP(J) && J->gap.threshold)
      PetscCall(
          PetscViewerASCIIPrintf(v, " (I_theta %g, omega_I %g uM)", (double)J->gap.I_theta, (double)J->gap.omega_I));
    if (J->syn == SYN_TSODYKS_MARKRAM)
      PetscCall(PetscViewerASCIIPrintf(v, ", tsodyks_markram U_0 %g, tau_fac %g ms, tau_rec %g ms", (double)J->U_0,
                                       (double)J->tau_fac, (double)J->tau_rec));
    if (J->glio)
      PetscCall(PetscViewerASCIIPrintf(v, ", gliotransmission alpha %g (U_0 at Gamma_S = 1)", (double)J->glio_alpha));
    if (IS_STDP(J))
      PetscCall(PetscViewerASCIIPrintf(v, ", %s tau_plus %g, tau_minus %g ms, lambda %g, alpha %g, mu %g/%g, W_max %g",
                                       SynapseTypes[J->syn], J->stdp.tau_plus, J->stdp.tau_minus, J->stdp.lambda,
                                       J->stdp.alpha, J->stdp.mu_plus, J->stdp.mu_minus, J->stdp.W_max));
    if (IS_GATED(J))
      PetscCall(PetscViewerASCIIPrintf(v, ", gate %s, tau_c %g ms, eta %g", d->pop[J->gate].name, (double)J->tau_c,
                                       (double)J->eta));
    PetscCall(PetscViewerASCIIPrintf(v, "\n"));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode SpikingDescribe(TpModel m, char *buf, size_t len)
{
  Spiking *d = m->data;
  size_t o;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len, "model=spiking;dt=%.17g;", (double)d->dt));
  for (PetscInt q = 0; q < d->npop; q++) {
    const Population *P = &d->pop[q];
    o                   = strlen(buf);
    PetscCall(PetscSNPrintf(buf + o, len - o,
                            "%s=%" PetscInt_FMT ",%s,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,"
                            "%.17g,%" PetscInt_FMT ";",
                            P->name, P->size, NeuronTypes[P->type], (double)P->C_m, (double)P->tau_m, (double)P->t_ref,
                            (double)P->E_L, (double)P->V_th, (double)P->V_reset, (double)P->I_e, (double)P->tau_syn_ex,
                            (double)P->tau_syn_in, (double)P->V_m, (double)P->poisson_rate, (double)P->poisson_weight,
                            P->ntimes));
    if (P->spike_file[0]) {
      o = strlen(buf) - 1;
      PetscCall(PetscSNPrintf(buf + o, len - o, ",file=%s:%s;", P->spike_file, P->spike_group));
    }
    if (P->ntimed) {
      o = strlen(buf) - 1;
      PetscCall(PetscSNPrintf(buf + o, len - o, ",timed=%.17g", (double)P->timed_dt));
      for (PetscInt k = 0; k < P->ntimed; k++) {
        o = strlen(buf);
        PetscCall(PetscSNPrintf(buf + o, len - o, ":%.17g", (double)P->timed[k]));
      }
      o = strlen(buf);
      PetscCall(PetscSNPrintf(buf + o, len - o, ";"));
    }
    if (P->type >= NT_IAF_PSC_ALPHA || P->V_random) { /* the newer types' parameters (older descriptions unchanged) */
      o = strlen(buf) - 1;
      PetscCall(PetscSNPrintf(
          buf + o, len - o,
          ",%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%" PetscInt_FMT ",%d,%.17g,%.17g;",
          (double)P->g_L, (double)P->E_ex, (double)P->E_in, (double)P->Delta_T, (double)P->tau_w, (double)P->a,
          (double)P->b, (double)P->c, (double)P->dd, (double)P->V_peak, (double)P->V_min, (double)P->U_m, P->substeps,
          (int)P->V_random, (double)P->V_uniform[0], (double)P->V_uniform[1]));
    }
    if (IS_GCHI(P)) {
      const double *g = (const double *)&P->gchi;
      o               = strlen(buf) - 1;
      PetscCall(PetscSNPrintf(buf + o, len - o, ",gchi="));
      for (size_t k = 0; k < sizeof(P->gchi) / sizeof(double); k++) {
        o = strlen(buf);
        PetscCall(PetscSNPrintf(buf + o, len - o, "%.17g,", g[k]));
      }
      o = strlen(buf);
      PetscCall(PetscSNPrintf(buf + o, len - o, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%d,astro_dt=%.17g;",
                              (double)P->IP3, (double)P->Ca_astro, (double)P->h_IP3R, (double)P->Gamma_A,
                              (double)P->x_A, (double)P->G_A, (int)P->glu_mean, (double)d->astro_dt));
      if (P->Gamma_S != 0) {
        o = strlen(buf) - 1;
        PetscCall(PetscSNPrintf(buf + o, len - o, ",Gamma_S=%.17g;", (double)P->Gamma_S));
      }
    } else if (IS_ASTRO(P)) {
      const AstroLrParams *A = &P->lr;
      o                      = strlen(buf) - 1;
      PetscCall(PetscSNPrintf(buf + o, len - o,
                              ",lr=%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,"
                              "%.17g,%.17g,%.17g,%.17g,%.17g,astro_dt=%.17g;",
                              A->Ca_tot, A->IP3_0, A->Kd_IP3_1, A->Kd_IP3_2, A->Kd_act, A->Kd_inh, A->Km_SERCA,
                              A->ratio_ER_cyt, A->rate_IP3R, A->rate_L, A->rate_SERCA, A->k_IP3R, A->tau_IP3,
                              A->delta_IP3, A->SIC_scale, A->SIC_th, (double)P->IP3, (double)P->Ca_astro,
                              (double)P->h_IP3R, (double)d->astro_dt));
      if (P->Ca_threshold > 0) { /* (absent when 0, as before there were calcium events) */
        o = strlen(buf) - 1;
        PetscCall(PetscSNPrintf(buf + o, len - o, ",Ca_threshold=%.17g;", (double)P->Ca_threshold));
      }
    }
    if (IS_ASTRO(P) && P->morph_file[0]) {
      o = strlen(buf) - 1;
      PetscCall(PetscSNPrintf(buf + o, len - o, ",morphology=%016llx,%.17g,%.17g;", (unsigned long long)P->mhash,
                              (double)P->dif.D_IP3, (double)P->dif.D_Ca));
    }
    if (IS_ASTRO(P) && (P->cell_size > 1 || P->IP3_random || P->Ca_random)) { /* (absent for point astrocytes) */
      o = strlen(buf) - 1;
      PetscCall(PetscSNPrintf(buf + o, len - o, ",cells=%" PetscInt_FMT ",%" PetscInt_FMT ",%.17g,%.17g;", P->cell_size,
                              P->branching, (double)P->dif.D_IP3, (double)P->dif.D_Ca));
      if (P->IP3_random || P->Ca_random) {
        o = strlen(buf) - 1;
        PetscCall(PetscSNPrintf(buf + o, len - o, ",uniform=%d,%.17g,%.17g,%d,%.17g,%.17g;", (int)P->IP3_random,
                                (double)P->IP3_uniform[0], (double)P->IP3_uniform[1], (int)P->Ca_random,
                                (double)P->Ca_uniform[0], (double)P->Ca_uniform[1]));
      }
    }
    if (P->grid_rows) {
      o = strlen(buf) - 1;
      PetscCall(
          PetscSNPrintf(buf + o, len - o, ",grid=%" PetscInt_FMT ",%.17g;", P->grid_rows, (double)P->grid_spacing));
    }
    if (P->uniform || P->pos_file[0]) { /* (absent for grids and none, as before these kinds) */
      o = strlen(buf) - 1;
      if (P->uniform)
        PetscCall(PetscSNPrintf(buf + o, len - o, ",uniform=%.17g,%.17g,%.17g;", (double)P->extent[0],
                                (double)P->extent[1], (double)P->extent[2]));
      else
        PetscCall(PetscSNPrintf(buf + o, len - o, ",positions=%s:%s,%016llx;", P->pos_file, P->pos_dataset,
                                (unsigned long long)P->poshash));
    }
    if (P->periodic) {
      o = strlen(buf) - 1;
      PetscCall(PetscSNPrintf(buf + o, len - o, ",periodic=%.17g,%.17g,%.17g;", (double)P->extent[0],
                              (double)P->extent[1], (double)P->extent[2]));
    }
  }
  for (PetscInt p = 0; p < d->nproj; p++) {
    const Projection *J = &d->proj[p];
    o                   = strlen(buf);
    PetscCall(PetscSNPrintf(buf + o, len - o, "%s=%s,%" PetscInt_FMT ",%.17g,%.17g,%" PetscInt_FMT ",%d%d;", J->name,
                            Rules[J->rule], J->indegree, (double)J->p, (double)J->weight, J->dsteps, (int)J->autapses,
                            (int)J->multapses));
    if (J->rule == RULE_DISTANCE || J->masked) {
      o = strlen(buf) - 1;
      PetscCall(PetscSNPrintf(buf + o, len - o, ",radius=%.17g;", (double)J->radius));
      if (J->kernel != KERNEL_CONSTANT) {
        o = strlen(buf) - 1;
        PetscCall(PetscSNPrintf(buf + o, len - o, ",kernel=%s,%.17g;", Kernels[J->kernel], (double)J->sigma));
      }
    }
    if (J->rule == RULE_FILE) {
      o = strlen(buf) - 1;
      PetscCall(PetscSNPrintf(buf + o, len - o, ",file=%s:%s,edges %016llx;", J->file, J->fgroup,
                              (unsigned long long)J->fhash));
    }
    if (J->third >= 0) {
      o = strlen(buf) - 1;
      PetscCall(PetscSNPrintf(buf + o, len - o, ",third=%s,%.17g,%s,%" PetscInt_FMT ";", d->pop[J->third].name,
                              (double)J->p_third,
                              J->pool_block     ? "block"
                              : J->pool_map     ? "map"
                              : J->pool_synapse ? "synapse"
                              : J->pool_nearest ? "nearest"
                                                : "random",
                              J->pool_size));
      if (J->pool_map) { /* the map itself, by a hash of its entries */
        uint64_t hsh = 1469598103934665603ULL;
        for (PetscInt t = 0; t < d->pop[J->tgt].size; t++) hsh = (hsh ^ (uint64_t)J->pool_map[t]) * 1099511628211ULL;
        o = strlen(buf) - 1;
        PetscCall(PetscSNPrintf(buf + o, len - o, ",pool_map %016llx;", (unsigned long long)hsh));
      }
    }
    if (IS_STDP(J)) {
      const StdpParams *P = &J->stdp;
      o                   = strlen(buf) - 1;
      PetscCall(PetscSNPrintf(buf + o, len - o, ",%s,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g;", SynapseTypes[J->syn],
                              P->tau_plus, P->tau_minus, P->lambda, P->alpha, P->mu_plus, P->mu_minus, P->W_max));
      if (IS_GATED(J)) {
        o = strlen(buf) - 1;
        PetscCall(PetscSNPrintf(buf + o, len - o, ",%s,%.17g,%.17g;", d->pop[J->gate].name, (double)J->tau_c,
                                (double)J->eta));
      }
    } else if (IS_GAP(J)) {
      o = strlen(buf) - 1;
      PetscCall(PetscSNPrintf(buf + o, len - o, ",gap_junction,%d,%.17g,%.17g,%d;", J->gap.threshold,
                              (double)J->gap.I_theta, (double)J->gap.omega_I, (int)J->symmetric));
    } else if (J->syn != SYN_STATIC) {
      o = strlen(buf) - 1;
      PetscCall(PetscSNPrintf(buf + o, len - o, ",%s,%.17g,%.17g,%.17g;", SynapseTypes[J->syn], (double)J->U_0,
                              (double)J->tau_fac, (double)J->tau_rec));
      if (J->glio) {
        o = strlen(buf) - 1;
        PetscCall(PetscSNPrintf(buf + o, len - o, ",glio,%.17g;", (double)J->glio_alpha));
      }
    }
  }
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt64 tgt, src, q; /* natural ids, the synapse's place */
  double w, delay;
} EdgeOut;

static int CompareEdgeOut(const void *a, const void *b)
{
  const EdgeOut *x = a, *y = b;
  if (x->tgt != y->tgt) return x->tgt < y->tgt ? -1 : 1;
  if (x->src != y->src) return x->src < y->src ? -1 : 1;
  return x->q < y->q ? -1 : x->q > y->q;
}

/* -spiking_write_edges: every projection's synapses as SONATA edges, /edges/<projection>/
   {source_node_id, target_node_id (ids within the populations), 0/syn_weight (the weight now, STDP's
   included), 0/delay (ms)}, each rank writing its targets' synapses by (target, source, draw), so that
   the file is the same on any number of ranks with the default block partition; -rule file reads it. */
static PetscErrorCode WriteEdges(TpModel m, hid_t file)
{
  Spiking *d = m->data;
  hid_t grp;

  PetscFunctionBegin;
  PetscCall(TpH5CreateGroup(file, "edges", &grp));
  for (PetscInt p = 0; p < d->nproj; p++) {
    const Projection *J = &d->proj[p];
    const Population *S = &d->pop[J->src], *T = &d->pop[J->tgt];
    PetscCount n = 0, k = 0;
    EdgeOut *e;
    uint64_t *src, *tgt;
    double *w, *dl;
    hid_t g, g0, ds;
    for (PetscInt c = 0; c < d->ncol; c++) /* the columns of S's neurons */
      for (PetscCount q = d->outptr[c]; d->colpop[c] == J->src && q < d->outptr[c + 1]; q++)
        n += d->popof[d->tgt[q]] == J->tgt;
    PetscCall(PetscMalloc5(n + 1, &e, n + 1, &src, n + 1, &tgt, n + 1, &w, n + 1, &dl));
    for (PetscInt c = 0; c < d->ncol; c++) {
      for (PetscCount q = d->outptr[c]; d->colpop[c] == J->src && q < d->outptr[c + 1]; q++) {
        const PetscInt i = d->tgt[q];
        if (d->popof[i] != J->tgt) continue;
        e[k].tgt = TpRowGid(&d->r, i), e[k].src = d->colgid[c], e[k].q = q;
        e[k].w     = J->rule == RULE_FILE ? d->fw[q] : IS_STDP(J) ? d->sw[d->wpos[q]] : J->weight;
        e[k].delay = (double)(J->rule == RULE_FILE ? d->fd[q] : J->dsteps) * d->dt;
        k++;
      }
    }
    qsort(e, (size_t)n, sizeof(EdgeOut), CompareEdgeOut);
    for (PetscCount q = 0; q < n; q++) {
      src[q] = (uint64_t)(e[q].src - S->first), tgt[q] = (uint64_t)(e[q].tgt - T->first);
      w[q] = e[q].w, dl[q] = e[q].delay;
    }
    PetscCall(TpH5CreateGroup(grp, J->name, &g));
    PetscCall(TpH5WriteDistributed(m->comm, g, "source_node_id", H5T_NATIVE_UINT64, H5T_STD_U64LE, n, 0, src));
    PetscCall(TpH5WriteDistributed(m->comm, g, "target_node_id", H5T_NATIVE_UINT64, H5T_STD_U64LE, n, 0, tgt));
    PetscCallH5(ds = H5Dopen2(g, "source_node_id", H5P_DEFAULT));
    PetscCall(TpH5WriteAttrString(ds, "node_population", S->name));
    PetscCallH5(H5Dclose(ds));
    PetscCallH5(ds = H5Dopen2(g, "target_node_id", H5P_DEFAULT));
    PetscCall(TpH5WriteAttrString(ds, "node_population", T->name));
    PetscCallH5(H5Dclose(ds));
    PetscCall(TpH5CreateGroup(g, "0", &g0));
    PetscCall(TpH5WriteDistributed(m->comm, g0, "syn_weight", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, n, 0, w));
    PetscCall(TpH5WriteDistributed(m->comm, g0, "delay", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, n, 0, dl));
    PetscCallH5(ds = H5Dopen2(g0, "delay", H5P_DEFAULT));
    PetscCall(TpH5WriteAttrString(ds, "units", "ms"));
    PetscCallH5(H5Dclose(ds));
    PetscCallH5(H5Gclose(g0));
    PetscCallH5(H5Gclose(g));
    PetscCall(PetscFree5(e, src, tgt, w, dl));
  }
  PetscCallH5(H5Gclose(grp));
  PetscFunctionReturn(0);
}

/* The recorded spikes (keys step N + id) redistributed so that rank r holds the r-th of P runs of
   their global order, sorted, the runs of about equal size (whole bins of a histogram of steps to
   each rank): nothing is gathered whole, and the file is the same on any number of ranks. */
static PetscErrorCode SpikesInOrder(TpModel m, PetscInt64 **out, PetscInt64 *nout)
{
  Spiking *d         = m->data;
  const PetscInt64 N = d->r.N;
  enum { B = 4096 };
  PetscInt64 tmax = 0, total = 0, *hist, *mine;
  PetscMPIInt size, *sc, *rc, *sd, *rd, *dest;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(m->comm, &size));
  for (PetscCount k = 0; k < d->nrecd; k++) tmax = PetscMax(tmax, d->recd[k] / N);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &tmax, 1, MPIU_INT64, MPI_MAX, m->comm));
  PetscCall(PetscCalloc1(B, &hist));
  PetscCall(PetscMalloc5(B, &dest, size, &sc, size, &rc, size + 1, &sd, size + 1, &rd));
#define BIN(key) ((int)((double)((key) / N) * B / (double)(tmax + 1)))
  for (PetscCount k = 0; k < d->nrecd; k++) hist[BIN(d->recd[k])]++;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, hist, B, MPIU_INT64, MPI_SUM, m->comm));
  for (int b = 0; b < B; b++) total += hist[b];
  for (PetscInt64 b = 0, before = 0; b < B; before += hist[b++]) /* the bin's first spike's share of them all */
    dest[b] = total ? (PetscMPIInt)PetscMin(size - 1, (PetscInt64)(((double)before * size) / (double)total)) : 0;
  PetscCall(PetscArrayzero(sc, size));
  for (PetscCount k = 0; k < d->nrecd; k++) sc[dest[BIN(d->recd[k])]]++;
  PetscCallMPI(MPI_Alltoall(sc, 1, MPI_INT, rc, 1, MPI_INT, m->comm));
  sd[0] = rd[0] = 0;
  for (PetscMPIInt r = 0; r < size; r++) {
    PetscCheck((double)rd[r] + rc[r] < 2e9, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "More than 2^31 spikes to write on one rank");
    sd[r + 1] = sd[r] + sc[r], rd[r + 1] = rd[r] + rc[r];
  }
  PetscCall(PetscMalloc1(sd[size] + 1, &mine));
  {
    PetscMPIInt *at;
    PetscCall(PetscMalloc1(size, &at));
    PetscCall(PetscArraycpy(at, sd, size));
    for (PetscCount k = 0; k < d->nrecd; k++) mine[at[dest[BIN(d->recd[k])]]++] = d->recd[k];
    PetscCall(PetscFree(at));
  }
#undef BIN
  PetscCall(PetscMalloc1(rd[size] + 1, out));
  PetscCallMPI(MPI_Alltoallv(mine, sc, sd, MPIU_INT64, *out, rc, rd, MPIU_INT64, m->comm));
  *nout = rd[size];
  PetscCall(PetscSortInt64((PetscInt)*nout, *out));
  PetscCall(PetscFree(mine));
  PetscCall(PetscFree(hist));
  PetscCall(PetscFree5(dest, sc, rc, sd, rd));
  PetscFunctionReturn(0);
}

/* /positions/<population> (size x dim, um) of the populations with positions, each rank writing a block. */
static PetscErrorCode WritePositions(TpModel m, hid_t file)
{
  Spiking *d = m->data;
  PetscMPIInt size, rank;
  hid_t grp = -1;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(m->comm, &size));
  PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
  for (PetscInt q = 0; q < d->npop; q++) {
    const Population *P = &d->pop[q];
    const PetscInt k0 = P->size * rank / size, k1 = P->size * (rank + 1) / size;
    double *x;
    hid_t ds;
    if (!P->dim) continue;
    if (grp < 0) PetscCall(TpH5CreateGroup(file, "positions", &grp));
    PetscCall(PetscMalloc1((size_t)(k1 - k0) * P->dim + 1, &x));
    for (PetscInt k = k0; k < k1; k++) {
      double y[3];
      PositionOf(P, k, y);
      for (PetscInt a = 0; a < P->dim; a++) x[(size_t)(k - k0) * P->dim + a] = y[a];
    }
    PetscCall(TpH5WriteDistributed(m->comm, grp, P->name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, k1 - k0, P->dim, x));
    PetscCallH5(ds = H5Dopen2(grp, P->name, H5P_DEFAULT));
    PetscCall(TpH5WriteAttrString(ds, "units", "um"));
    PetscCallH5(H5Dclose(ds));
    PetscCall(PetscFree(x));
  }
  if (grp >= 0) PetscCallH5(H5Gclose(grp));
  PetscFunctionReturn(0);
}

/* /spikes/<population>/{timestamps (ms), node_ids (ids within the population)}, sorted by time then id */
static PetscErrorCode SpikingWriteEvents(TpModel m, hid_t file)
{
  Spiking *d         = m->data;
  const PetscInt64 N = d->r.N;
  PetscInt64 total = 0, *all = NULL;
  double *ts;
  uint64_t *ids;
  hid_t grp;

  PetscFunctionBegin;
  PetscCall(ExchangeEnd(m));
  PetscCall(SpikesInOrder(m, &all, &total));
  PetscCall(PetscMalloc2(total + 1, &ts, total + 1, &ids)); /* (each population's in turn) */
  PetscCall(TpH5CreateGroup(file, "spikes", &grp));
  for (PetscInt q = 0; q < d->npop; q++) {
    const Population *P = &d->pop[q];
    PetscCount k        = 0;
    hid_t g, ds;
    for (PetscInt64 s = 0; s < total; s++) {
      const PetscInt64 gid = all[s] % N;
      if (gid < P->first || gid >= P->first + P->size) continue;
      ts[k]    = (double)(all[s] / N + 1) * d->dt;
      ids[k++] = (uint64_t)(gid - P->first);
    }
    PetscCall(TpH5CreateGroup(grp, P->name, &g));
    PetscCall(TpH5WriteDistributed(m->comm, g, "timestamps", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, k, 0, ts));
    PetscCall(TpH5WriteDistributed(m->comm, g, "node_ids", H5T_NATIVE_UINT64, H5T_STD_U64LE, k, 0, ids));
    PetscCall(TpH5WriteAttrString(g, "sorting", "by_time"));
    PetscCall(TpH5WriteAttrInt(g, "first_id", P->first));
    PetscCall(TpH5WriteAttrInt(g, "size", P->size));
    PetscCallH5(ds = H5Dopen2(g, "timestamps", H5P_DEFAULT));
    PetscCall(TpH5WriteAttrString(ds, "units", "ms"));
    PetscCallH5(H5Dclose(ds));
    PetscCallH5(H5Gclose(g));
  }
  PetscCallH5(H5Gclose(grp));
  PetscCall(PetscFree2(ts, ids));
  PetscCall(PetscFree(all));
  PetscCall(WritePositions(m, file));
  if (d->write_edges) PetscCall(WriteEdges(m, file));
  PetscFunctionReturn(0);
}

/* The spikes of a checkpoint back into the record of the ranks that own their neurons. */
static PetscErrorCode SpikingLoadEvents(TpModel m, hid_t file, PetscBool *ok)
{
  Spiking *d         = m->data;
  const PetscInt64 N = d->r.N;

  PetscFunctionBegin;
  d->nrecd = 0;
  for (PetscInt q = 0; q < d->npop && *ok; q++) {
    const Population *P = &d->pop[q];
    char path[2][96];
    int nd[2];
    hsize_t dims[2][2];
    double *ts    = NULL;
    uint64_t *ids = NULL;
    PetscCall(PetscSNPrintf(path[0], 96, "spikes/%s/timestamps", P->name));
    PetscCall(PetscSNPrintf(path[1], 96, "spikes/%s/node_ids", P->name));
    *ok = (PetscBool)(TpH5GetExtent(file, path[0], &nd[0], dims[0]) && TpH5GetExtent(file, path[1], &nd[1], dims[1]) &&
                      nd[0] == 1 && nd[1] == 1 && dims[0][0] == dims[1][0]);
    if (*ok) {
      const long long n = (long long)dims[0][0];
      PetscCall(PetscMalloc2(n + 1, &ts, n + 1, &ids));
      *ok = (PetscBool)(TpH5ReadWhole(file, path[0], H5T_NATIVE_DOUBLE, ts, n) &&
                        TpH5ReadWhole(file, path[1], H5T_NATIVE_UINT64, ids, n));
      for (long long s = 0; s < n && *ok; s++) {
        const PetscInt64 step = (PetscInt64)round(ts[s] / d->dt) - 1;
        PetscInt loc;
        if (ids[s] >= (uint64_t)P->size || step < 0) {
          *ok = PETSC_FALSE;
          break;
        }
        loc = LocalRow(d, P, P->first + (PetscInt)ids[s]);
        if (loc >= 0) PetscCall(Push(&d->recd, &d->nrecd, &d->caprecd, step * N + TpRowGid(&d->r, loc)));
      }
      PetscCall(PetscFree2(ts, ids));
    }
    PetscCall(TpAllTrue(m->comm, ok));
  }
  PetscCall(PetscSortInt64((PetscInt)d->nrecd, d->recd)); /* in time order, as a run keeps them (STDP reads them so) */
  PetscFunctionReturn(0);
}

static PetscErrorCode SpikingEventBytes(TpModel m, double *bytes)
{
  Spiking *d = m->data;
  double n   = 0;

  PetscFunctionBegin;
  for (PetscInt q = 0; q < d->npop; q++) n += (double)d->popspk[q];
  *bytes = 16 * n + 4096.0 * d->npop;
  PetscFunctionReturn(0);
}

static PetscErrorCode SpikingCost(TpModel m, PetscInt K, double *cost)
{
  Spiking *d = m->data;

  PetscFunctionBegin;
  *cost = (double)d->nsyn + (double)d->r.N;
  PetscFunctionReturn(0);
}

static PetscErrorCode SpikingDestroy(TpModel m)
{
  Spiking *d = m->data;

  PetscFunctionBegin;
  for (PetscInt p = 0; p < d->nproj; p++) PetscCall(PetscFree(d->proj[p].pool_map));
  if (d->xtravel) PetscCall(ExchangeEnd(m)); /* (a run ends with a sample, which ends it: not reached) */
  if (d->popof) {
    PetscCall(PetscFree6(d->popof, d->V, d->Isyn, d->refr, d->nspk, d->last));
    PetscCall(PetscFree2(d->isi, d->ring));
    PetscCall(PetscFree(d->ringck));
    PetscCall(PetscFree(d->colof));
    PetscCall(PetscFree(d->displs));
    PetscCall(PetscFree(d->selfcol));
    PetscCall(PetscFree3(d->dptr, d->dnbr, d->dcol));
    PetscCall(PetscFree5(d->outrank, d->inrank, d->outblk, d->inblk, d->ocnt));
    PetscCall(PetscFree5(d->scnt, d->sdsp, d->rcnt, d->rdsp, d->odsp));
    PetscCall(PetscFree(d->req));
    if (d->gcomm != MPI_COMM_NULL) PetscCallMPI(MPI_Comm_free(&d->gcomm));
    PetscCall(PetscSFDestroy(&d->colsf));
    PetscCall(PetscFree4(d->outptr, d->colgid, d->collocal, d->colpop));
    PetscCall(PetscFree(d->tgt));
    PetscCall(PetscFree2(d->rise, d->adap));
    PetscCall(PetscFree4(d->gex, d->gin, d->rex, d->rin));
    PetscCall(PetscFree3(d->fired, d->pkey, d->pcnt));
    if (d->tms) PetscCall(PetscFree2(d->tmcol, d->tmloc));
    if (d->spw) PetscCall(PetscFree(d->spost));
    if (d->spw) PetscCall(PetscFree4(d->wpos, d->sw, d->scol, d->ssrc));
    PetscCall(PetscFree(d->selig));
    if (d->persyn) PetscCall(PetscFree2(d->fw, d->fd));
    if (d->glio) PetscCall(PetscFree3(d->gpos, d->gux, d->gls));
    PetscCall(PetscFree(d->glv));
    PetscCall(PetscSFDestroy(&d->glsf));
    PetscCall(PetscFree(d->astof));
    PetscCall(PetscFree2(d->afield, d->arow));
    if (d->sic) PetscCall(PetscFree2(d->isic, d->sring));
    PetscCall(PetscFree(d->sringck));
    PetscCall(PetscFree(d->sicrow));
    PetscCall(PetscFree(d->sptr));
    PetscCall(PetscFree(d->srank));
    PetscCall(PetscFree3(d->sicmark, d->sictgt, d->sicS));
    for (PetscInt k = 0; k < d->dring && d->drun; k++) PetscCall(PetscFree(d->drun[k]));
    PetscCall(PetscFree4(d->drun, d->ndrun, d->capdrun, d->dall));
  }
  PetscCall(SpikingAstroDestroy(&d->astro));
  PetscCall(PetscFree(d->sev));
  PetscCall(PetscFree(d->sevrow));
  PetscCall(PetscFree(d->sgath));
  PetscCall(PetscFree2(d->sicc, d->sicv));
  PetscCall(PetscFree(d->win));
  PetscCall(PetscFree(d->xwin));
  PetscCall(PetscFree(d->recd));
  PetscCall(PetscFree(d->gath));
  PetscCall(PetscFree(d->sbuf));
  PetscCall(PetscFree(d->rbuf));
  PetscCall(PetscFree(d->over));
  for (PetscInt q = 0; q < SPIKING_MAX_POPS; q++) {
    PetscCall(PetscFree(d->pop[q].cdf));
    PetscCall(PetscFree(d->pop[q].pos));
    if (d->pop[q].fstep) PetscCall(PetscFree2(d->pop[q].fstep, d->pop[q].frow));
  }
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

static const TpModelOps SpikingOps = {.setfromoptions = SpikingSetFromOptions,
                                      .setup          = SpikingSetUp,
                                      .initialstate   = SpikingInitialState,
                                      .observe        = SpikingObserve,
                                      .summarize      = SpikingSummarize,
                                      .viewresult     = SpikingViewResult,
                                      .progress       = SpikingProgress,
                                      .view           = SpikingView,
                                      .describe       = SpikingDescribe,
                                      .cost           = SpikingCost,
                                      .loaded         = SpikingLoaded,
                                      .destroy        = SpikingDestroy,
                                      .neurons        = SpikingNeurons,
                                      .writeevents    = SpikingWriteEvents,
                                      .eventbytes     = SpikingEventBytes,
                                      .loadevents     = SpikingLoadEvents,
                                      .sync           = SpikingSync,
                                      .window         = SpikingWindow,
                                      .advance        = SpikingAdvance,
                                      .exchange       = SpikingExchange};

PetscErrorCode TpModelCreate_Spiking(TpModel m)
{
  Spiking *d;

  PetscFunctionBegin;
  if (!EV_UPDATE) {
    PetscClassId cls;
    PetscCall(PetscClassIdRegister("TripartSpiking", &cls));
    PetscCall(PetscLogEventRegister("M4NeuronUpdate", cls, &EV_UPDATE));
    PetscCall(PetscLogEventRegister("M4SpikeGather", cls, &EV_GATHER));
    PetscCall(PetscLogEventRegister("M4SpikeDeliver", cls, &EV_DELIVER));
    PetscCall(PetscLogEventRegister("M4Plasticity", cls, &EV_PLASTIC));
    PetscCall(PetscLogEventRegister("M4Astrocytes", cls, &EV_ASTRO));
  }
  PetscCall(PetscNew(&d));
  d->gcomm          = MPI_COMM_NULL;
  d->dt             = 0.1;
  d->brunel_order   = 2500;
  d->brunel_g       = 5;
  d->brunel_eta     = 2;
  d->brunel_J       = 0.1;
  d->brunel_delay   = 1.5;
  d->brunel_epsilon = 0.1;
  m->data           = d;
  m->ops            = SpikingOps;
  PetscCall(TpModelSetStepperTypes(m, "fixed", "fixed"));
  PetscFunctionReturn(0);
}

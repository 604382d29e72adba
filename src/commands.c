/* commands.c - THE command table: name, handler, arity, options, usage and
 * help of every command. help, completion and doc/commands.md all read it
 * (help.c prints them); sh_exec_line (dispatch.c) checks a line against it
 * before calling the handler. */
#include <stdlib.h>

#include "handlers.h"

const sh_cmd sh_commands[] = {
	/* ---- models */
	{ "model", "models", cmd_model, 1, 3, "input",
	  "model NAME input=SHAPE | model NAME hopfield UNITS",
	  "create a model and make it the current one",
	  "Creates an empty model taking inputs of the given shape (784, or\n"
	  "1x28x28 for images as channels x height x width) and makes it the\n"
	  "model that add, summary, init, loss, optim and train apply to.\n"
	  "A model of the same name is replaced.\n"
	  "model NAME hopfield UNITS makes a Hopfield network instead: UNITS\n"
	  "binary -1/+1 units, symmetric weights, zero diagonal, for store\n"
	  "and recall (see 'help store').\n"
	  "Examples:\n  model net input=1x28x28\n  model mem hopfield 100" },
	{ "add", "models", cmd_add, 1, 10,
	  "*",
	  "add KIND [ARGS] [ACTIVATION] [name=N] [from=NODE] [tie=NODE]",
	  "append a layer (a node) to the current model",
	  "Layer kinds:\n"
	  "  dense UNITS [ACTIVATION] [nobias]  fully connected, W is units x inputs\n"
	  "  dropout RATE                       inverted dropout while training\n"
	  "  flatten                            C x H x W -> one dimension\n"
	  "  reshape SHAPE                      same values, new shape (8x7x7)\n"
	  "  conv FILTERS KERNEL [ACTIVATION] [nobias] [stride=S] [pad=P]\n"
	  "                                     2-D convolution, W is filters x\n"
	  "                                     C x kh x kw; pad=same keeps\n"
	  "                                     ceil(size / stride)\n"
	  "  convt FILTERS KERNEL [stride=S] [pad=P] [outpad=Q]\n"
	  "                                     transposed convolution: size\n"
	  "                                     (in-1)*S - 2P + kernel + Q\n"
	  "  maxpool KERNEL [stride=S] [pad=P]  max of each window (stride:\n"
	  "  avgpool KERNEL [stride=S] [pad=P]  the kernel) or its mean\n"
	  "  globalavgpool                      mean of each channel: C x H x W -> C\n"
	  "  upsample FACTOR                    nearest: each pixel a block\n"
	  "  batchnorm [momentum=M] [eps=E]     normalise each feature or channel\n"
	  "                                     over the batch (running statistics\n"
	  "                                     while evaluating)\n"
	  "  layernorm [eps=E]                  normalise each sample\n"
	  "  shift PIXELS                       move each image by up to PIXELS\n"
	  "                                     at random while training (data\n"
	  "                                     augmentation); off when evaluating\n"
	  "  ACTIVATION                         an activation on its own\n"
	  "Sequences (a T x C output: dense, layernorm and softmax after it\n"
	  "act on each position's C values):\n"
	  "  embed DIM vocab=V                  token ids (model input=T)\n"
	  "                                     -> T x DIM, W is V x DIM;\n"
	  "                                     dense V tie=NODE shares it\n"
	  "  posenc [learned] [max=5000]        adds the sinusoids of\n"
	  "                                     Attention is all you need\n"
	  "                                     (or a learned T x D) to a\n"
	  "                                     sequence of at most max\n"
	  "  attention HEADS [causal] [from=Q,KV] [pad=ID]\n"
	  "                                     multi-head self-attention\n"
	  "                                     (PyTorch's MultiheadAttention:\n"
	  "                                     Win 3D x D, bin, Wo, bo);\n"
	  "                                     causal: no look ahead;\n"
	  "                                     from=Q,KV: queries from Q,\n"
	  "                                     keys and values from KV;\n"
	  "                                     pad=ID: keys whose input\n"
	  "                                     token is ID get no weight\n"
	  "  ffn DFF [relu|gelu]                position-wise feed-forward:\n"
	  "                                     D -> DFF -> D at each position\n"
	  "  rnn UNITS [tanh|relu] [seq=all|last] [bptt=K]\n"
	  "                                     h_t = act(W x_t + U h_t-1 + b)\n"
	  "                                     through time; seq=last: h_T\n"
	  "                                     only; bptt=K: the gradient\n"
	  "                                     goes back in chunks of K\n"
	  "  lstm UNITS [seq=all|last] [bptt=K]\n"
	  "                                     PyTorch's LSTM (gates i f g o:\n"
	  "                                     Wih 4H x C, Whh 4H x H, bih,\n"
	  "                                     bhh) through time\n"
	  "  gru UNITS [seq=all|last] [bptt=K] PyTorch's GRU (gates r z n:\n"
	  "                                     Wih 3H x C, Whh 3H x H, bih,\n"
	  "                                     bhh) through time\n"
	  "Graphs: a node reads the node before it, or from=NODE (a name,\n"
	  "a number, or in for the model's input); name=N names it.\n"
	  "  sum A B [C...]                     elementwise sum (same shapes)\n"
	  "  mul A B [C...]                     elementwise product\n"
	  "  concat A B [C...]                  features one after another\n"
	  "                                     (channels, for images)\n"
	  "  slice FROM..TO [from=NODE]         features FROM to TO (from 1)\n"
	  "                                     (of a sequence: positions)\n"
	  "tie=NODE on dense or conv uses that node's weight tensor (shared:\n"
	  "trained once, counted once); tie=NODE transpose on dense uses it\n"
	  "transposed (a tied autoencoder's decoder). summary shows each\n"
	  "node's inputs; show MODEL graph draws them; penalty adds loss\n"
	  "terms on nodes.\n"
	  "A KERNEL is 5 or 5x3 (height x width), or kernel=; conv's output\n"
	  "is floor((size + 2P - kernel) / S) + 1. summary shows each shape.\n"
	  "Activations: linear step sigmoid tanh lecun relu leaky softmax\n"
	  "logsoftmax. step is 1 for z >= 0 else 0 (its gradient is 0); lecun\n"
	  "is 1.7159 tanh(2z/3); leaky takes alpha= (default 0.01).\n"
	  "New weights are Glorot-uniform, biases 0, until you run init.\n"
	  "Examples:\n  add dense 200 sigmoid\n  add dropout 0.2\n  add relu\n"
	  "  add conv 8 5x5 stride=2 pad=2 relu\n"
	  "  add conv 8 kernel=5 padding=same\n  add maxpool 2\n"
	  "  add convt 16 4x4 stride=2 pad=1\n  add reshape 8x7x7\n"
	  "  add dense 2 sigmoid name=h\n  add dense 2 from=h\n"
	  "  add sum in 2\n  add dense 784 tie=1 transpose sigmoid" },
	{ "penalty", "models", cmd_penalty, 0, 3, "model",
	  "penalty [NODE dot [R...] | NODE l1 W | NODE l2 W | NODE off]",
	  "add a loss term on a node's output, or list them",
	  "Adds a term on the output h of NODE (a name or number) to the\n"
	  "loss the model trains with, averaged over a batch like the loss:\n"
	  "  dot [r1 r2 ...]   r.h (the backprop homework's R = r'h)\n"
	  "  l1 W              W * sum |h| (sparse codes)\n"
	  "  l2 W              W * sum h^2\n"
	  "off removes the terms on NODE; penalty alone lists them. grad\n"
	  "prints each term; train's loss includes them.\n"
	  "Examples:\n  penalty h dot [1 -0.5]\n  penalty code l1 0.001\n"
	  "  penalty code off" },
	{ "summary", "models", cmd_summary, 0, 1, NULL,
	  "summary [MODEL]",
	  "table of layers, output shapes and parameter counts",
	  "Prints one row per layer (its description, output shape and number\n"
	  "of parameters) and the total, like Keras's model.summary().\n"
	  "A GAN's models say which they were: the generator of a run\n"
	  "against D, or the discriminator of G's run (kept in D's file).\n"
	  "Example:\n  summary" },
	{ "init", "models", cmd_init, 1, 1,
	  "std value lo hi bias layer model",
	  "init KIND [std=S] [bias=B|same] [layer=N] [model=NAME]",
	  "initialise weights (and biases) of a model",
	  "Kinds: zeros, constant value=V, normal std=S, uniform lo=A hi=B,\n"
	  "xavier (Glorot uniform), xavier_normal, he (normal, 2/fan_in),\n"
	  "lecun (normal, 1/fan_in), maxfan (normal with variance\n"
	  "1/max(fan_in, fan_out)). Biases are set to bias= (default 0).\n"
	  "bias=same draws the biases as the weights are (as the 1986\n"
	  "backprop paper started all its weights in +-0.3).\n"
	  "layer=N initialises only layer N (1-based).\n"
	  "Examples:\n  init normal std=0.1 bias=0\n  init he layer=2\n"
	  "  init uniform lo=-0.3 hi=0.3 bias=same" },
	{ "loss", "models", cmd_loss, 0, 2, "model reduction deadzone",
	  "loss [NAME [naive] [reduction=mean|sum] [deadzone=D]]",
	  "choose the loss the current model trains with, or show it",
	  "Losses (each sums over the outputs of one sample):\n"
	  "  mse           1/2 * sum of squared errors per sample, averaged\n"
	  "                over the batch (the 1/2 makes dL/dy = y - t)\n"
	  "  crossentropy  after softmax (or sigmoid), computed stably from\n"
	  "                the logits; a linear last layer is taken as logits\n"
	  "  crossentropy naive\n"
	  "                -sum t log(softmax) on the probabilities: gives\n"
	  "                inf/NaN once a probability underflows to 0\n"
	  "  bce           binary cross-entropy for sigmoid outputs, summed\n"
	  "                over the outputs (not averaged: PyTorch's BCELoss\n"
	  "                averages, so its rate is outputs times larger)\n"
	  "  nll           negative log-likelihood after logsoftmax\n"
	  "Without this command a model uses crossentropy after softmax, nll\n"
	  "after logsoftmax, and mse otherwise.\n"
	  "reduction=mean (default) averages the per-sample losses of a batch;\n"
	  "reduction=sum adds them, as Rumelhart, Hinton and Williams (1986)\n"
	  "did, so a step is batch-size times larger at the same rate. The\n"
	  "training line then shows the batch's sum beside the mean per\n"
	  "sample. loss alone says what the current loss computes; at the\n"
	  "prompt, choosing one says it too. (Model files keep the loss,\n"
	  "not the reduction.)\n"
	  "deadzone=D (mse): no error where an output is within D of its\n"
	  "target; beyond, the error counts from the zone's edge: 1/2 *\n"
	  "(|y - t| - D)^2. Hinton's family trees (1986) used D = 0.2: an\n"
	  "output that should be on counts as right above 0.8, so the\n"
	  "weights need not grow to push it to 1. The training line, val\n"
	  "loss, evaluate, grad and gradcheck all take the dead zone; a\n"
	  "model file keeps it only with a stopped run, for its resume.\n"
	  "Examples:\n  loss crossentropy\n  loss mse reduction=sum\n"
	  "  loss mse reduction=sum deadzone=0.2\n  loss" },
	{ "optim", "models", cmd_optim, 1, 2,
	  "lr momentum nesterov weight_decay beta1 beta2 rho eps history mu "
	  "mu_inc mu_dec mu_max model decay sample every",
	  "optim KIND [lr=R] [momentum=M] [nesterov] [weight_decay=W]",
	  "choose the optimizer of the current model",
	  "Kinds and their options (PyTorch's formulas):\n"
	  "  sgd      lr= (0.01) momentum= nesterov weight_decay=\n"
	  "  adam     lr= (0.001) beta1= (0.9) beta2= (0.999) eps= (1e-8)\n"
	  "  rmsprop  lr= (0.001) rho= (0.99) eps= (1e-8)\n"
	  "  adagrad  lr= (0.01) eps= (1e-10)\n"
	  "  sdlm     LeCun's stochastic diagonal Levenberg-Marquardt: each\n"
	  "           weight steps by lr= (0.1) / (mu= (0.02) + h) times its\n"
	  "           gradient, h its second derivative (Gauss-Newton,\n"
	  "           backpropagated with squares) on sample= (500) patterns,\n"
	  "           new at each epoch's start or every= N samples; dense,\n"
	  "           conv, pooling and reshaping layers, mse or crossentropy\n"
	  "weight_decay adds W * w to the gradient of every weight (not the\n"
	  "biases). Choosing an optimizer resets its state.\n"
	  "decay=F (sgd adam rmsprop adagrad) multiplies every weight (not\n"
	  "the biases) by 1 - F after each step, apart from the gradient,\n"
	  "the rate and the momentum: the 1986 papers' weight decay (0.2%\n"
	  "per sweep is decay=0.002 with batch=0).\n"
	  "Full-batch methods: train takes ONE iteration on the whole data set\n"
	  "per epoch (batch= is ignored; dropout is off; the mean loss, not\n"
	  "reduction=sum), and its line shows the loss after the iteration\n"
	  "and the loss-and-gradient evaluations:\n"
	  "  cg [fr]  conjugate gradient, Polak-Ribiere (fr: Fletcher-\n"
	  "           Reeves), restarted every P iterations (P parameters);\n"
	  "           lr= (1) scales the first step\n"
	  "  scg      Moller's scaled conjugate gradient (MATLAB's trainscg):\n"
	  "           no line search; the curvature along the direction from\n"
	  "           an exact Hessian-vector product, scaled until the step's\n"
	  "           predicted loss matches (two evaluations an iteration)\n"
	  "  lbfgs    L-BFGS, history= (10) pairs; lr= (1) the trial step\n"
	  "  bfgs     BFGS: the whole inverse Hessian estimate (models of up\n"
	  "           to 2000 parameters); lr= (1) the trial step\n"
	  "  lm       Levenberg-Marquardt on J of the residuals (mse only):\n"
	  "           (J'J + mu I) d = J'r; mu= (0.001) times mu_dec= (0.1)\n"
	  "           after a step that lowers the loss, times mu_inc= (10)\n"
	  "           and retried after one that does not, up to mu_max=\n"
	  "           (1e10), where it stays put\n"
	  "  gn       Gauss-Newton: lm without mu (may diverge)\n"
	  "cg, lbfgs and bfgs search the line for the strong Wolfe conditions (as\n"
	  "torch.optim.LBFGS), and the point a search ends on gives the next\n"
	  "iteration its loss and gradient; lm and gn take models of up to\n"
	  "3000 parameters.\n"
	  "Examples:\n  optim sgd lr=0.5\n  optim adam lr=1e-3\n"
	  "  optim sgd lr=0.1 momentum=0.9 nesterov\n"
	  "  optim sgd lr=0.01 momentum=0.9 decay=0.002\n"
	  "  optim lbfgs history=20\n  optim cg fr\n  optim lm mu=0.01\n"
	  "  optim bfgs\n  optim scg\n  optim sdlm lr=0.3 mu=0.02" },
	/* ---- data */
	{ "data", "data", cmd_data, 3, 16, "*",
	  "data NAME = load SOURCE | make KIND | TRANSFORM DATA ... | [[x..] ..]",
	  "load, generate, transform or type a dataset and name it",
	sh_help_data },
	{ "info", "data", cmd_info, 1, 1, NULL,
	  "info DATA",
	  "count, shapes, value range and classes of a dataset",
	  "Prints the number of samples, the input shape and how it is stored,\n"
	  "the range, mean and standard deviation of the input values, and\n"
	  "either the classes with their counts (and names) or the range of\n"
	  "the float targets.\n"
	  "Example:\n  info digits.train" },
	{ "fetch", "data", cmd_fetch, 1, 1, "dir sha256",
	  "fetch mnist|fashion-mnist [dir=DIR] | fetch URL sha256=HEX [dir=DIR]",
	  "download MNIST or Fashion-MNIST (or one file), checking SHA-256",
	  "Downloads the dataset's four IDX files (60,000 training and\n"
	  "10,000 test images with their labels) into the cache that 'load\n"
	  "mnist' reads: $XDG_CACHE_HOME/nnsh/SET, else ~/.cache/nnsh/SET,\n"
	  "or into dir= (then load with path=DIR). Each file's SHA-256 must\n"
	  "be the official one, written in nnsh: a different file is refused\n"
	  "and nothing half-written is kept (files arrive under a temporary\n"
	  "name and are renamed once checked). Files already there and\n"
	  "correct are kept. A broken connection is resumed where it stopped\n"
	  "(up to 5 attempts); Ctrl-C stops. At a terminal a progress bar\n"
	  "shows each file. $NNSH_MIRROR=URL fetches from a local mirror\n"
	  "instead, which serves URL/SET/FILE (a classroom's server).\n"
	  "fetch URL sha256=HEX downloads one file the same way, into the\n"
	  "current directory or dir=. From the command line:\n"
	  "nnsh -e 'fetch mnist'.\n"
	  "Examples:\n  fetch mnist\n  fetch fashion-mnist dir=data\n"
	  "  fetch https://example.org/net.safetensors sha256=9f86d081884c7d65"
	  "9a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" },
	{ "store", "hopfield", cmd_store, 2, 2, "rule",
	  "store NAME DATA [rule=hebb|pseudoinverse|storkey]",
	  "store patterns in a Hopfield network",
	  "Replaces what the Hopfield network NAME stores by the samples of\n"
	  "DATA (each -1/+1, or 0/1 taken as -1/+1; as long as the network)\n"
	  "and sets its weights by the rule:\n"
	  "  hebb           W = sum p p' / N (default; about 0.14 N patterns)\n"
	  "  pseudoinverse  W = P'(PP')^-1 P (any N linearly independent ones)\n"
	  "  storkey        Storkey's incremental rule (about 0.18 N at N 100)\n"
	  "The diagonal is zero; there are no thresholds.\n"
	  "Example:\n  data p = make patterns n=5 size=100\n  store mem p" },
	{ "recall", "hopfield", cmd_recall, 2, 3, "steps seed",
	  "recall NAME DATA [sync|async] [steps=20] [seed=S]",
	  "let a Hopfield network settle from each sample of DATA",
	  "Updates the units until a step changes none (a fixed point) or\n"
	  "steps= steps were taken. async (default) updates the units one at\n"
	  "a time in a random order, each step a sweep over all of them, so\n"
	  "the energy E = -1/2 s'Ws never rises; sync updates all at once\n"
	  "and may end in a 2-cycle. A unit whose input is 0 keeps its state.\n"
	  "Prints per sample its label, the steps that changed something,\n"
	  "whether the end state is a fixed point, the nearest stored pattern\n"
	  "(largest |overlap| s.p/N; -1 is the pattern inverted) and the\n"
	  "energy. With one sample the state after each step is drawn as an\n"
	  "image (100 units as 10x10) with its energy below.\n"
	  "Example:\n  data noisy = flip p p=0.15\n  recall mem noisy" },
	{ "hopfield", "hopfield", cmd_hopfield, 2, 2, "rule max trials seed",
	  "hopfield capacity UNITS [rule=R] [max=K] [trials=T] [seed=S]",
	  "plot how many random patterns a Hopfield network recalls",
	  "For each load k = 1..max (default 0.3 UNITS), stores k random\n"
	  "patterns trials= times (10) with the rule and recalls each from\n"
	  "itself (async, at most 20 steps); plots the fraction that stays\n"
	  "exactly the stored pattern and the mean overlap against the load\n"
	  "k / UNITS. For the Hebb rule recall collapses near 0.14.\n"
	  "Example:\n  hopfield capacity 100 rule=hebb" },
	{ "family", "classics", cmd_family, 1, 2, "n",
	  "family [MODEL] DATA [n=K]",
	  "a network's answers to family-tree facts, in words",
	  "Runs MODEL (36 inputs to 24 outputs) on the facts of DATA (from\n"
	  "'make family') and prints each fact with its answer, the people\n"
	  "whose outputs are above 0.5 and whether that is right: every\n"
	  "person of the answer above 0.5 and every other below (the rule\n"
	  "of Hinton's 1986 paper), then the count right; n=K prints only\n"
	  "the first K facts (n=0: the count alone). show\n"
	  "MODEL.LAYER.W family shows what the person units learnt.\n"
	  "Example:\n  data fam = make family hold=4 seed=1\n"
	  "  family net fam.test" },
	{ "hessian", "training", cmd_hessian, 1, 2, "top",
	  "hessian [MODEL] DATA [top=K]",
	  "the largest eigenvalues of the Hessian of the loss, and good rates",
	  "Finds the top= (3) eigenvalues of the Hessian of the model's loss\n"
	  "on DATA (the mean over its samples) that are largest in size, by\n"
	  "power iteration on Hessian-vector products (exact, by Pearlmutter's\n"
	  "R-operator; layers without one, such as lstm, take central\n"
	  "differences, and the output names them), removing each one\n"
	  "found before the next. Prints them and, from the largest, the\n"
	  "rates of 'Efficient BackProp': 1/lambda_max, the best for plain\n"
	  "gradient descent along that direction, and 2/lambda_max, above\n"
	  "which it diverges. For a linear model with mse the Hessian is\n"
	  "E[z z'] with z = (x, 1): uncentred inputs make one eigenvalue\n"
	  "large. A model with a step activation is refused.\n"
	  "Example:\n  hessian net s top=2" },
	/* ---- training */
	{ "train", "training", cmd_train, 1, 4,
	  "epochs iters batch val every shuffle patience monitor min_delta "
	  "clip goal goal_acc lr lr_every log model",
	  "train DATA [epochs=N | iters=N] [batch=B] [val=DATA|F] [every=K] "
	  "[patience=P] [restore] [clip=C] [fanin] [log=FILE] | "
	  "train DATA resume",
	  "train the current model",
	  sh_help_train },
	{ "evaluate", "training", cmd_evaluate, 1, 1, "batch model",
	  "evaluate DATA [batch=B] [model=NAME]",
	  "loss and accuracy of the current model on a dataset",
	  "Prints the loss, the accuracy and correct/total, without changing\n"
	  "the model (dropout is off).\n"
	  "On a dataset labelled per position (make reverse, ...) the loss\n"
	  "is the mean per token, and the accuracy is given per token and\n"
	  "per whole sequence (every position right); train's accuracy is\n"
	  "per token.\n"
	  "Example:\n  evaluate digits.test" },
	{ "schedule", "training", cmd_schedule, 0, 1,
	  "max min gamma every T warmup model",
	  "schedule [constant|step|exp|cosine] [max=R] [min=R] [T=N] "
	  "[every=N] [gamma=G] [warmup=N]",
	  "set or show the learning-rate schedule",
	  "The rate of each step t (the optimizer's step count, so a schedule\n"
	  "goes on across train commands and resumes with the state):\n"
	  "  constant  max                          (the default)\n"
	  "  step      max * gamma^floor(t / every) (gamma 0.1 by default)\n"
	  "  exp       min + (max - min) * exp(-t / T)\n"
	  "  cosine    min + (max - min) * (1 + cos(pi * min(t, T) / T)) / 2\n"
	  "max= defaults to the optimizer's lr; min= to 0. warmup=W rises\n"
	  "linearly to the first rate over W steps, then the schedule starts.\n"
	  "The rate is printed with each point and kept in the history.\n"
	  "Without arguments, shows the schedule and the next step's rate.\n"
	  "Examples:\n  schedule exp max=0.1 min=0.001 T=2000\n"
	  "  schedule step every=1000 gamma=0.5" },
	{ "targets", "training", cmd_targets, 0, 2, "model",
	  "targets [LO HI | off]",
	  "train towards LO/HI instead of 0/1 labels",
	  "LeCun's 'efficient backprop' advice: sigmoid or tanh outputs\n"
	  "should be trained towards values inside their range (0.1 and 0.9,\n"
	  "or -1 and 1 for lecun's 1.7159 tanh(2z/3)), not their asymptotes.\n"
	  "One-hot or 0/1 targets made from labels become LO and HI in\n"
	  "training, validation and evaluate; float targets are left alone.\n"
	  "Accuracy counts the largest output (one output: above (LO+HI)/2).\n"
	  "The other settings of that advice: shuffling (train, on by\n"
	  "default), centred and scaled inputs (data ... normalize), the\n"
	  "lecun activation and init lecun.\n"
	  "Examples:\n  targets 0.1 0.9\n  targets off" },
	{ "checkpoint", "training", cmd_checkpoint, 0, 2, "every model",
	  "checkpoint [FILE every=N | best FILE | off]",
	  "save the model during training",
	  "checkpoint FILE every=N saves the model with its training state\n"
	  "(as 'save MODEL FILE state') after every N epochs, so a long run\n"
	  "killed half-way goes on with 'load FILE' and 'train DATA resume'.\n"
	  "In 'gan', each model saves after its own every=N epochs (see\n"
	  "'help gan').\n"
	  "checkpoint best FILE saves the weights at each new best point of\n"
	  "early stopping (patience= or restore). Files are replaced\n"
	  "atomically. Without arguments, shows the checkpoints.\n"
	  "Examples:\n  checkpoint run.safetensors every=5\n"
	  "  checkpoint best best.safetensors" },
	/* ---- files */
	/* ---- generative models */
	{ "gan", "generative", cmd_gan, 3, 4, "epochs iters batch k smooth "
	  "noise every log",
	  "gan GEN DISC DATA [epochs=N | iters=N] [batch=B] [k=1] [smooth=1] "
	  "[noise=normal|uniform] [every=K] [log=FILE] | gan GEN DISC DATA "
	  "resume",
	  "train a generator and a discriminator against each other",
	  "Alternating training of a GAN on the real samples of DATA. Each\n"
	  "iteration: k discriminator steps, each on a real batch (target 1,\n"
	  "or smooth=S for one-sided label smoothing, 0.9 say) and as many\n"
	  "generated samples (target 0), then one generator step through\n"
	  "DISC with target 1 (the non-saturating loss), the gradient carried\n"
	  "back through DISC's input into GEN. Both losses are binary\n"
	  "cross-entropy; GEN's input is noise, N(0, 1) or uniform on [-1, 1]\n"
	  "(noise=). GEN's output must have as many values as a sample of\n"
	  "DATA, and DISC must take them and end in one sigmoid unit.\n"
	  "Each model trains with its own optimizer ('optim' on each: DCGAN's\n"
	  "is optim adam lr=2e-4 beta1=0.5) and keeps its own history (its\n"
	  "loss; 'view loss GEN'); both runs land in 'runs'. A line per epoch\n"
	  "(or every K iterations) gives the D and G losses and D's mean\n"
	  "output on real samples, D(x), and on generated ones, D(G(z)).\n"
	  "batch is 64 by default. Ctrl-C stops between iterations and keeps\n"
	  "both models; 'gan GEN DISC DATA resume' goes on. 'save GEN FILE\n"
	  "state' keeps GEN with its GAN run (settings, order, noise, points)\n"
	  "and 'save DISC FILE2 state' the discriminator with its optimizer;\n"
	  "load both, and resume ends where an unstopped run ends.\n"
	  "'checkpoint FILE every=N model=GEN' (and DISC) saves so at the end\n"
	  "of every N epochs.\n"
	  "At a terminal a panel shows the run: the D and G losses, D(x) and\n"
	  "D(G(z)), and GEN's samples of a fixed noise (the gan view on 2-D\n"
	  "data). Space pauses; paused, d runs one discriminator step and g\n"
	  "one generator step; + and - change the rate of GEN, or of DISC\n"
	  "after ':use D'; q stops. log=FILE appends the run as JSON lines\n"
	  "for 'monitor FILE'.\n"
	  "Examples (examples/gan.nn and gan2d.nn are whole scripts):\n"
	  "  gan G D real epochs=5 batch=100\n"
	  "  gan G D moons iters=3000 k=2 smooth=0.9 every=500\n"
	  "  gan G D real resume" },
	{ "sample", "generative", cmd_sample, 0, 1, "n seed noise",
	  "sample [GEN] [n=64] [seed=S] [noise=normal|uniform]",
	  "draw a generator's images from random noise",
	  "Runs GEN (dropout off) on n noise vectors and draws what it makes:\n"
	  "a grid of images (in the shape of the data its GAN trained on, or\n"
	  "a square image when its output is flat and square), or a scatter\n"
	  "plot of 2-D samples. seed= fixes the noise (else the session's\n"
	  "random numbers draw it); noise= defaults to its GAN run's.\n"
	  "'data NAME = sample GEN n=N' keeps samples as a dataset, so\n"
	  "another model can classify them.\n"
	  "Examples:\n  sample G n=20 seed=1\n"
	  "  data fakes = sample G n=1000" },
	{ "judge", "generative", cmd_judge, 2, 2, "confident",
	  "judge CLASSIFIER DATA [confident=0.9]",
	  "how many classes a classifier finds among samples, how surely",
	  "Runs CLASSIFIER (dropout off) on every sample of DATA and prints\n"
	  "how many it classifies with probability at least confident= (0.9),\n"
	  "in how many of its classes, the mean probability of its choices\n"
	  "(confidence), and the confident count of each class. On samples of\n"
	  "a GAN's generator it measures quality: a generator that collapsed\n"
	  "to one digit gives one class; blurry samples give low confidence.\n"
	  "Outputs that are not softmax probabilities are passed through a\n"
	  "softmax first.\n"
	  "Example:\n  data fakes = sample G n=1000\n  judge net fakes" },
	{ "save", "files", cmd_save, 2, 3, NULL,
	  "save MODEL FILE [state]",
	  "write a model to a safetensors file",
	  "Writes the weights as float32 tensors named LAYER.PARAM ('2.W',\n"
	  "'2.b'; layers count from 1) in the safetensors format, which\n"
	  "PyTorch's safetensors reader opens; the architecture, loss,\n"
	  "optimizer, schedule, targets, the characters of the text it\n"
	  "learned (for generate) and nnsh version are strings in its\n"
	  "metadata, so 'load' rebuilds the same model. With state, also\n"
	  "the optimizer's moments and step (sdlm's second derivatives; for\n"
	  "cg, scg, lbfgs, bfgs and lm their direction, pairs, inverse\n"
	  "Hessian or mu), the history and the last run\n"
	  "(its order, position and random numbers), so 'train DATA resume'\n"
	  "continues exactly. The file is written under another name, flushed\n"
	  "and renamed: a crash leaves the old file or the new one, and the\n"
	  "next save removes what a killed save left. Only regular files are\n"
	  "replaced (not devices, FIFOs or directories); a symbolic link is\n"
	  "followed and the file it points to replaced. A model file holds at\n"
	  "most 10,000 layers.\n"
	  "Examples:\n  save net net.safetensors\n"
	  "  save net run.safetensors state" },
	{ "load", "files", cmd_load, 1, 3, "map",
	  "load FILE [as NAME] | load FILE into MODEL [map=FILE|auto]",
	  "read a model file written by save, or weights into a model",
	  "Rebuilds the model with its weights and settings (and training\n"
	  "state, if saved) under NAME, or the name it was saved with, and\n"
	  "makes it the current model. Everything read is checked (header,\n"
	  "JSON, dtypes, shapes, offsets, file size): a damaged file is\n"
	  "rejected with a message and the session is left as it was, and so\n"
	  "is a file of more than 10,000 layers or a saved name over 63\n"
	  "bytes.\n"
	  "load FILE into MODEL fills an existing model's parameters from any\n"
	  "safetensors file, such as a PyTorch state_dict saved with\n"
	  "safetensors.torch.save_file. With map=auto (the default) the file's\n"
	  "modules ('0', '2', 'fc1': names up to the last dot, numbers in\n"
	  "order) go to the model's layers with parameters in order, and in\n"
	  "each weight, bias, running_mean, running_var to W, b (gamma, beta,\n"
	  "mean, var for batchnorm); num_batches_tracked is skipped. PyTorch's\n"
	  "layouts are nnsh's (Linear out x in, Conv2d out x in x kh x kw).\n"
	  "map=FILE names each tensor's place instead, a line 'TENSOR\n"
	  "NODE.PARAM' each (fc1.weight 2.W, or net.2.W; # comments); tensors\n"
	  "it leaves out are not used. Every shape must fit exactly, and\n"
	  "dtypes be F32 or F64; otherwise nothing changes. A table shows\n"
	  "where each tensor went.\n"
	  "Examples:\n  load net.safetensors as net2\n"
	  "  load mlp_torch.safetensors into mlp\n"
	  "  load cnn.safetensors into cnn map=cnn.map" },
	{ "history", "files", cmd_history, 0, 4, "layer",
	  "history [MODEL] [stats [layer=N]] [export FILE.csv]",
	  "the model's training history, or write it as CSV",
	  "One row per point (each epoch, or every K iterations): epoch,\n"
	  "iteration, loss, acc, val_loss, val_acc, lr and time. With export,\n"
	  "writes them as CSV with a header line (empty cells for metrics not\n"
	  "measured; times are 0 with --no-timing). For data labelled per\n"
	  "position acc is per token, and seq_acc and val_seq_acc (the share\n"
	  "of whole sequences right) follow, in the table and the file.\n"
	  "history stats shows what training recorded of each parameter\n"
	  "tensor at the points (at most 200 of them: past that, every other\n"
	  "one is dropped and every other point recorded): mean, std, min\n"
	  "and max of its values, and mean and std of its gradient (the last\n"
	  "batch's before the point); layer=N shows one layer. Its export\n"
	  "adds the count of values that are not finite and each 32-bin\n"
	  "histogram over min..max (w_bin1.., g_bin1..).\n"
	  "Examples:\n  history\n  history net export curves.csv\n"
	  "  history net stats layer=1\n"
	  "  history net stats export stats.csv" },
	{ "plot", "files", cmd_plot, 1, 2, "out",
	  "plot loss|accuracy|lr [MODEL] out=FILE",
	  "draw training curves into a PNG, SVG or PDF file",
	  "Draws the training and validation curves of the model's history\n"
	  "on one chart, with a legend, axes and a title (against epochs when\n"
	  "there is one point per epoch, else iterations), as a figure for a\n"
	  "report. FILE's extension picks the format: .png, .svg or .pdf.\n"
	  "view VIEW out=FILE writes the panel's other pictures.\n"
	  "Examples:\n  plot loss out=loss.png\n  plot accuracy out=acc.pdf" },
	/* ---- inspection */
	{ "filters", "inspection", cmd_filters, 1, 2, "out",
	  "filters [MODEL] LAYER [out=FILE]",
	  "draw the kernels of a conv layer as shaded blocks",
	  "Draws each filter of conv (or convt) layer LAYER (1-based, as in\n"
	  "summary) as a small image: its kernels for the first 8 input\n"
	  "channels side by side, black for the most negative weight of the\n"
	  "layer, grey for 0, white for the most positive, numbered. On a\n"
	  "colour terminal two pixels share a cell, so 40 filters of 5x5 fit\n"
	  "in 20 lines; otherwise one character per pixel (\" .:-=+*#%@\").\n"
	  "out=FILE writes the picture to a .png, .svg or .pdf file instead.\n"
	  "Examples:\n  filters cnn 1\n  filters cnn 1 out=filters.png" },
	{ "confusion", "inspection", cmd_confusion, 1, 2, NULL,
	  "confusion [MODEL] DATA",
	  "confusion matrix, per-class accuracy, most confused pairs",
	  "Counts each (true class, predicted class) pair over DATA, prints\n"
	  "the matrix with each class's accuracy, and lists the five most\n"
	  "frequent confusions.\n"
	  "Example:\n  confusion digits.test" },
	{ "stats", "inspection", cmd_stats, 0, 2, "n",
	  "stats [MODEL] [DATA] [n=100]",
	  "per-layer statistics and histograms of weights, outputs, gradients",
	  "For each layer: min, max, mean, std, share of zeros and a\n"
	  "histogram of each parameter tensor; with DATA, also of the layer's\n"
	  "outputs and the parameters' gradients for its first n samples\n"
	  "(dropout off). Dead ReLUs show as zeros, saturated sigmoids as a\n"
	  "histogram piled at the ends, exploding gradients as huge ranges.\n"
	  "Example:\n  stats net digits.test n=100" },
	{ "probs", "inspection", cmd_probs, 1, 2, NULL,
	  "probs [MODEL] DATA:INDEX",
	  "class probabilities of one sample as bars",
	  "Runs one sample and draws a bar per class, marking the predicted\n"
	  "and the true class. Softmax outputs are shown as they are;\n"
	  "logsoftmax outputs are exponentiated; linear outputs go through a\n"
	  "softmax (and say so).\n"
	  "Example:\n  probs digits.test:0" },
	{ "params", "inspection", cmd_params, 0, 1, NULL,
	  "params [MODEL]",
	  "parameter tensors and counts per layer, and the total",
	  "Lists each layer's parameter tensors with their shapes (dense W is\n"
	  "units x inputs, so 784 -> 200 has 200*784 + 200 = 157000) and the\n"
	  "total, with its size as float32.\n"
	  "Example:\n  params net" },
	{ "predict", "inspection", cmd_predict, 1, 2, "n from",
	  "predict [MODEL] DATA [n=100] [from=0]",
	  "a grid of images with the predicted labels, wrong ones marked",
	  "Shows n samples from index from= with the model's predictions\n"
	  "('12: 7'); a wrong one reads '12:2 not 7', in red at a colour\n"
	  "terminal. Images are drawn at half size; data that is not images\n"
	  "gets one line per sample. Ends with the count right and the\n"
	  "indices of the wrong ones.\n"
	  "Example:\n  predict digits.test n=20" },
	/* ---- panel */
	{ "view", "panel", cmd_view, 1, 3,
	  "node out noise layer head over rows",
	  "view loss|accuracy|VIEW [MODEL] [DATA] [node=NODE] [noise=STD] "
	  "[layer=K] [head=H] [over=time] [rows=N] [out=FILE]",
	  "draw one of the live panel's pictures once",
	  "Draws what the panel shows while training, into the normal output:\n"
	  "  loss, accuracy  the history's training and validation curves\n"
	  "                  (rate changes marked)\n"
	  "@VIEWS@\n"
	  "DATA defaults to the data the model last validated on.\n"
	  "out=FILE writes the picture to a file instead, in colour and 100\n"
	  "columns wide: .png, .svg or .pdf by the extension (loss and\n"
	  "accuracy as plot draws them).\n"
	  "view histograms (or view stats over=time; the panel's key t)\n"
	  "shows each layer's weight and gradient\n"
	  "histograms as recorded at the history's points (history stats),\n"
	  "one row per point, time going down, each row shaded by its own\n"
	  "largest bin over the range of all rows: rows=N points at most\n"
	  "(12; 40 in a file), layer=N one layer; out=FILE draws them as\n"
	  "heat maps with axes.\n"
	  "Examples:\n  view loss\n  view digits digits.test\n"
	  "  view boundary net moons\n  view probs digits.test:7\n"
	  "  view latent ae digits.test node=code\n  view recon ae digits.test\n"
	  "  view recon dae digits.test noise=0.3\n"
	  "  view attention tf held:0 layer=2 head=1\n"
	  "  view confusion net digits.test out=confusion.png\n"
	  "  view stats over=time net layer=1 out=stats.png\n"
	  "  view histograms net layer=2 rows=6" },
	{ "monitor", "panel", cmd_monitor, 1, 1, NULL,
	  "monitor FILE",
	  "follow a run that another nnsh logs with log=FILE",
	  "Reads the JSON lines that 'train ... log=FILE' appends and follows\n"
	  "the file as it grows (it may not exist yet). At a terminal it shows\n"
	  "the panel's curves, status line and history points until q or\n"
	  "Ctrl-C, then leaves a summary; otherwise it prints a line per run,\n"
	  "point, change and end until the run ends. nnsh --monitor FILE does\n"
	  "the same from the command line.\n"
	  "Example:\n  monitor run.jsonl" },
	/* ---- teaching */
	{ "set", "teaching", cmd_set, 0, 3, "*",
	  "set MODEL.LAYER.PARAM[INDEX...] = VALUE",
	  "set a parameter, or one element of it, by name",
	  "Layers are numbered from 1 as in summary; dense layers have W\n"
	  "(units x inputs) and b. The value has the parameter's shape, or is\n"
	  "one number for every element; [i][j] (from 0) names one element.\n"
	  "A value of the wrong shape changes nothing. 1.W means the current\n"
	  "model's; the blanks around = may be left out.\n"
	  "Examples:\n  set net.1.W = [[1 -1] [-1 1]]\n  set net.1.b = [0 0]\n"
	  "  set net.2.W[0][1] = 0.5\n  set net.2.b = 0" },
	{ "show", "teaching", cmd_show_data, 0, 2, "width height",
	  "show [MODEL[.LAYER[.PARAM[INDEX...]]]] | MODEL graph | "
	  "MODEL.LAYER.PARAM shade|family | DATA [I | FROM:TO]",
	  "print parameters, or draw a dataset's samples",
	  "show MODEL prints every parameter of a small model (a table of\n"
	  "shapes and statistics for a large one); show MODEL.LAYER that\n"
	  "layer's; show MODEL.LAYER.PARAM one tensor. Small tensors are\n"
	  "printed in full, large ones as their first and last rows and\n"
	  "columns with their shape, min, max and mean. A LAYER is a number\n"
	  "or a node's name. show MODEL graph draws the nodes of a graph as\n"
	  "a tree, from the output back to the input.\n"
	  "show MODEL.LAYER.PARAM shade draws a vector or matrix as signs,\n"
	  "+ positive and - negative, up to 4 as large as the largest (a\n"
	  "Hinton diagram in text); show MODEL.LAYER.W family lays out the\n"
	  "weights from the 24 people of 'make family' to each unit as the\n"
	  "two families, with what each unit tells apart (nationality,\n"
	  "generation, branch).\n"
	  "show DATA I draws sample I of an image set in shades (half-blocks\n"
	  "in grey at a colour terminal; the ramp \" .:-=+*#%@\" under NO_COLOR,\n"
	  "TERM=dumb or into a file) with its label and class name; FROM:TO\n"
	  "draws samples FROM..TO-1 side by side (at most 100); show DATA\n"
	  "alone draws the first 8. For a set with two inputs, show DATA draws\n"
	  "a scatter plot coloured by class (braille dots, or class digits in\n"
	  "plain text), for 1-D regression the target against the input;\n"
	  "width= and height= size it (default: the terminal's width, 22\n"
	  "rows). Other sets print their samples' numbers.\n"
	  "Examples:\n  show net\n  show net.1\n  show net.1.W\n"
	  "  show net.1.W[0][2]\n  show net.1.W shade\n  show net.people.W family\n"
	  "  show digits.test 0\n  show digits.test 0:8\n"
	  "  show moons" },
	{ "eval", "teaching", cmd_eval, 1, 2, "n",
	  "eval [MODEL] [x1 x2 ...] | DATA:I | DATA [n=K]",
	  "run a model on typed inputs or dataset samples",
	  "Prints the output (no dropout). After softmax or logsoftmax the\n"
	  "predicted class follows (-> class 3); after a single sigmoid or\n"
	  "step unit the 0/1 decision (-> 1). Rows [[..] [..]] give a table,\n"
	  "DATA:I one sample with its target, DATA a table of inputs,\n"
	  "targets, outputs and decisions (at most 64 samples: n=K shows\n"
	  "the first K). Without MODEL the current model is used.\n"
	  "Examples:\n  eval desc [5 4 3 2 1]\n  eval net digits.test:0\n"
	  "  eval net tiny\n  eval net digits.test n=10" },
	{ "grad", "teaching", cmd_grad, 0, 1, "x y",
	  "grad [MODEL] x=[...] y=[...] | x=DATA:I",
	  "one forward and backward pass, shown layer by layer",
	  "Runs the model on one example (or rows of examples) without\n"
	  "dropout, with its loss (see loss), and prints the loss, then for\n"
	  "each layer its pre-activation z, activation a and delta dL/dz,\n"
	  "and the gradient of each parameter (averaged over the samples).\n"
	  "x=DATA:I takes sample I and its target from a dataset. For a\n"
	  "classifier y= may be the class number. step applies the result.\n"
	  "Examples:\n  grad net x=[0.05 0.1] y=[0.01 0.99]\n"
	  "  grad net x=digits.test:0" },
	{ "step", "teaching", cmd_step, 0, 1, NULL,
	  "step [MODEL]",
	  "one optimizer update from the gradient of the last grad",
	  "Applies the model's optimizer (see optim) once, using the gradient\n"
	  "the last grad computed, and prints the new parameters. If the\n"
	  "parameters changed since that grad (set, train, a step), run grad\n"
	  "again first.\n"
	  "Example:\n  grad net x=[0.05 0.1] y=[0.01 0.99]\n  step net" },
	{ "gradcheck", "teaching", cmd_gradcheck, 0, 2, "x y data n",
	  "gradcheck [MODEL] [x=[...] y=[...] | data=DATA] [n=N] [quiet]",
	  "compare backprop with finite differences",
	  "For every parameter tensor (a tied one once, with the sum of its\n"
	  "uses) and for the input (dL/dx), compares the gradient from\n"
	  "backprop with central differences of the loss, penalties\n"
	  "included (steps 0.01 and 0.001, the\n"
	  "better kept) and prints the worst relative error |a-b|/(|a|+|b|)\n"
	  "(absolute below 0.001), where it is, and both values; then ok, or\n"
	  "an error when an error reaches 0.01. It uses the given example,\n"
	  "the first n= samples (default 4) of data=, or n= random inputs and\n"
	  "targets. Large tensors are checked at 100 random elements. quiet\n"
	  "leaves out the table (whose last digits are rounding noise).\n"
	  "Examples:\n  gradcheck net\n  gradcheck net data=tiny quiet" },
	/* ---- session */
	{ "ls", "session", cmd_ls, 0, 0, NULL,
	  "ls",
	  "list the models, datasets and variables of the session",
	  "Models show their input and output shapes, layers, parameters and\n"
	  "history points; the current model is marked with *. Datasets show\n"
	  "their size, sample shape and classes.\n"
	  "Example:\n  ls" },
	{ "use", "session", cmd_use, 1, 1, NULL,
	  "use MODEL",
	  "make a model the current one",
	  "Commands that take an optional model (add, summary, init, loss,\n"
	  "optim, train, evaluate) then apply to it.\n"
	  "Example:\n  use net" },
	{ "copy", "session", cmd_copy, 2, 2, NULL,
	  "copy MODEL NEW",
	  "make an independent copy of a model",
	  "Copies the layers, the weights, the loss (with its deadzone), the\n"
	  "optimizer settings, the schedule and the targets (not the\n"
	  "optimizer's state, the history or the checkpoints). Useful to\n"
	  "compare two trainings from the same start. The current model\n"
	  "stays current: 'use NEW' to work on the copy. A model already\n"
	  "named NEW is replaced, and copy says so: 'copy start net' puts\n"
	  "net back to the weights kept in start.\n"
	  "Examples:\n  copy net net_adam\n  copy start net" },
	{ "rename", "session", cmd_rename, 2, 2, NULL,
	  "rename OLD NEW",
	  "rename a model or a dataset",
	  "Example:\n  rename net mlp" },
	{ "rm", "session", cmd_rm, 1, 64, NULL,
	  "rm NAME...",
	  "remove models or datasets",
	  "Example:\n  rm net digits.test" },
	{ "reset", "session", cmd_reset, 0, 0, NULL,
	  "reset",
	  "empty the session",
	  "Removes every model, dataset, variable and run; the seed's\n"
	  "generator goes on where it was.\n"
	  "Example:\n  reset" },
	{ "runs", "session", cmd_runs, 0, 2, NULL,
	  "runs [export FILE.csv]",
	  "table of every training run in the session",
	  "One row per train command: model, architecture, optimizer, batch,\n"
	  "epochs, and the final training and validation loss and accuracy,\n"
	  "so a sweep in a for loop ends in one comparable table.\n"
	  "runs export FILE.csv writes the same as CSV (atomically).\n"
	  "Example:\n  for h in 10 50 200\n    model m input=784\n"
	  "    add dense $h sigmoid\n    add dense 10 softmax\n"
	  "    train digits.train epochs=1\n  end\n  runs" },
	{ "ranks", "session", cmd_ranks, 0, 1, NULL,
	  "ranks [MODEL]",
	  "the processes mpirun started, and a model's weights on each",
	  "Under mpirun -np N every rank runs the same script and train is\n"
	  "data-parallel: each rank computes the gradient of its share of\n"
	  "every batch, the shares are summed, and every rank takes the same\n"
	  "step (gan's steps, and every evaluation of the whole-data\n"
	  "optimizers, lbfgs to lm, too). ranks lists the ranks (host,\n"
	  "threads) and the checksum of MODEL's weights (the current\n"
	  "model's) on each, which must be the same everywhere. Alone, it\n"
	  "says so. See the manual's chapter on MPI for how to start\n"
	  "several ranks.\n"
	  "Example:\n  ranks net\n"
	  "  # 2 ranks (Open MPI 4.1.4)\n"
	  "  #   rank 0 on node1, 1 thread, net's weights 3a5f09c2\n"
	  "  #   rank 1 on node1, 1 thread, net's weights 3a5f09c2\n"
	  "  # net's weights are the same on every rank" },
	/* ---- language */
	{ "let", "language", cmd_let, 0, 64, NULL,
	  "let NAME = VALUE | let NAME ?= VALUE",
	  "set a variable, used as $NAME",
	  "The value is the rest of the line: a number, a word, a list. $NAME\n"
	  "is replaced by it anywhere in later lines; names not set with let\n"
	  "are looked up in the environment ($HOME). let alone lists them.\n"
	  "?= sets NAME only if it has no value yet, so a script's default\n"
	  "gives way to one set before it: nnsh -e 'let epochs = 1' cnn.nn\n"
	  "runs cnn.nn, which says let epochs ?= 10, for one epoch.\n"
	  "Example:\n  let h = 200\n  add dense $h sigmoid\n"
	  "  let epochs ?= 10" },
	{ "for", "language", cmd_end, 0, 0, NULL,
	  "for VAR in VALUES... | for VAR in A..B [step S]",
	  "repeat lines for each value, up to end",
	  "The lines up to the matching end run once per value, with $VAR set\n"
	  "to it. Values are words or numbers, or a range A..B with an\n"
	  "optional step. Blocks nest. At the prompt, the block is typed\n"
	  "after a continuation prompt and runs at its end.\n"
	  "Example:\n  for h in 10..750 step 50\n    echo hidden $h\n  end" },
	{ "repeat", "language", cmd_end, 0, 0, NULL,
	  "repeat N",
	  "run lines N times, up to end",
	  "Example:\n  repeat 3\n    train digits.train epochs=1\n"
	  "    evaluate digits.test\n  end" },
	{ "end", "language", cmd_end, 0, 0, NULL,
	  "end",
	  "close a for or repeat block",
	  "Example:\n  repeat 2\n    echo hello\n  end" },
	{ "parallel", "language", cmd_end, 0, 0, NULL,
	  "parallel for VAR in VALUES... | parallel for VAR in A..B [step S]",
	  "a for block whose iterations run side by side under mpirun",
	  "Like for, but each iteration is independent: it starts from a\n"
	  "random state of its own (drawn from the session's and its number),\n"
	  "so the block gives the same results on any number of ranks. Under\n"
	  "mpirun -np N, iteration i runs on rank i mod N, alone (its train is\n"
	  "not shared); the output of every iteration is printed in order,\n"
	  "every run joins the runs table, and the block stops at the first\n"
	  "failing iteration, as for does. Models and data an iteration makes\n"
	  "stay on its rank: after the block, make again what later lines\n"
	  "use (runs and runs export see every run). Alone, it runs the\n"
	  "iterations in turn.\n"
	  "Example:\n  parallel for h in 10 50 200 750\n"
	  "    model mlp$h input=1x28x28\n    add flatten\n"
	  "    add dense $h sigmoid\n    add dense 10 softmax\n"
	  "    train digits.train epochs=2 batch=100\n  end\n  runs" },
	{ "source", "language", cmd_source, 1, 1, NULL,
	  "source FILE",
	  "run the commands of a file",
	  "Runs FILE line by line in this session; it stops at its first\n"
	  "error, which names FILE and the line. Files may source others, up\n"
	  "to 16 deep.\n"
	  "Example:\n  source lesson1.nn" },
	{ "seed", "session", cmd_seed, 1, 1, NULL,
	  "seed N",
	  "seed the random numbers",
	  "Initialisation, shuffling, dropout and generated data draw from one\n"
	  "generator: the same seed and script give the same numbers.\n"
	  "Example:\n  seed 42" },
	{ "precision", "session", cmd_precision, 0, 1, NULL,
	  "precision [N|auto]",
	  "how many significant digits numbers are printed with",
	  "Session-wide: tensors, gradients, losses and training lines show\n"
	  "N significant digits (1 to 9; the smallest number of a tensor has\n"
	  "N, the others as many decimals). auto goes back to the default (4\n"
	  "decimals, 3 significant digits for small numbers). Without N it\n"
	  "says the current setting. Weights are single-precision floats, so\n"
	  "digits past the 7th are rounding.\n"
	  "Example:\n  precision 6" },
	{ "echo", "session", cmd_echo, 0, 64, "*",
	  "echo [WORDS...]",
	  "print the words",
	  "Prints its arguments separated by blanks (variables expanded).\n"
	  "Example:\n  echo \"hidden units:\" 200" },
	{ "complete", "session", cmd_complete, 1, 1, NULL,
	  "complete \"LINE\"",
	  "the words Tab offers at the end of a line",
	  "Prints what Tab would offer after LINE at the prompt, by context:\n"
	  "layer kinds after 'add', losses after 'loss', generators after\n"
	  "'make', models where a model fits, datasets where a dataset fits,\n"
	  "an option's values after 'key=', and '(file names)' where a file\n"
	  "name fits. Handy in a lesson's script to show what exists.\n"
	  "Example:\n  complete \"data d = make \"" },
	{ "help", "session", cmd_help, 0, 1, NULL,
	  "help [COMMAND]",
	  "list commands, or explain one",
	  "Without an argument lists the commands by topic; with one shows its\n"
	  "usage, details and an example. Commands may be abbreviated to a\n"
	  "unique prefix. A word that is a form of a command (help encode)\n"
	  "shows the lines about it.\nExample:\n  help train" },
	{ "quit", "session", cmd_quit, 0, 0, NULL,
	  "quit",
	  "leave nnsh",
	  "Ends the session (Ctrl-D does the same at the prompt).\n"
	  "Example:\n  quit" },
	/* ---- sequences */
	{ "generate", "sequences", cmd_generate, 1, 2,
	  "prompt n temperature seed",
	  "generate MODEL [DATA] [prompt=\"...\"] [n=200] [temperature=1] "
	  "[seed=S]",
	  "let a next-character model write text",
	  "Prints the prompt and n characters more, each drawn from the\n"
	  "model's output at the last position it read: the last T\n"
	  "characters, T being its input length. A model trained on a text\n"
	  "(load text) keeps its characters, in its model files too; DATA\n"
	  "names a text whose characters to use instead (a model that keeps\n"
	  "none needs it). Without prompt= it starts from DATA's first\n"
	  "character, or from the model's first (in code-point order: a line\n"
	  "break in most texts). temperature=0 picks the most likely\n"
	  "character every time; otherwise a character is drawn with\n"
	  "probability proportional to p^(1/temperature) (below 1: surer,\n"
	  "above: wilder), the same text again for the same seed=. The model\n"
	  "must read left to right (rnn, lstm, gru, causal attention): what\n"
	  "follows the last character read fills the rest of its input.\n"
	  "Example:\n  generate net prompt=\"ROMEO:\" n=300 temperature=0.8 "
	  "seed=1" },
	{ "translate", "sequences", cmd_translate, 2, 2, "n",
	  "translate MODEL DATA:i [n=1]",
	  "greedy decoding of a seq2seq model, next to the target",
	  "For data in the seq2seq form (make TASK seq2seq=1: T source ids,\n"
	  "the start id, T target ids in; the target and the end label out),\n"
	  "decodes sample i (and the n-1 after it) without the target: the\n"
	  "input holds the source, the start and the ids answered so far;\n"
	  "each pass takes the most likely id at the next answer position,\n"
	  "until the end label or T + 1 ids. Prints the source, the target\n"
	  "and the output (both up to the end label; '(no end)' when the\n"
	  "model gave none), and whether the output is the target. Training\n"
	  "scores each position given the true ids before it (teacher\n"
	  "forcing); translate shows what the model does on its own. The\n"
	  "model must read left to right (attention causal).\n"
	  "Example:\n  translate dec held:0 n=5" },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL },
};

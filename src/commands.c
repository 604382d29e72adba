/* commands.c - THE command table: name, handler, arity, options, usage and
 * help of every command. help, completion and doc/commands.md all read it;
 * sh_exec_line checks a line against it before calling the handler. */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

const sh_cmd sh_commands[] = {
	/* ---- models */
	{ "model", "models", cmd_model, 1, 1, "input",
	  "model NAME input=SHAPE",
	  "create a model and make it the current one",
	  "Creates an empty model taking inputs of the given shape (784, or\n"
	  "1x28x28 for images as channels x height x width) and makes it the\n"
	  "model that add, summary, init, loss, optim and train apply to.\n"
	  "A model of the same name is replaced.\n"
	  "Example:\n  model net input=1x28x28" },
	{ "add", "models", cmd_add, 1, 5,
	  "alpha kernel stride pad padding outpad scale momentum eps",
	  "add KIND [ARGS] [ACTIVATION]",
	  "append a layer to the current model",
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
	  "  ACTIVATION                         an activation on its own\n"
	  "A KERNEL is 5 or 5x3 (height x width), or kernel=; conv's output\n"
	  "is floor((size + 2P - kernel) / S) + 1. summary shows each shape.\n"
	  "Activations: linear step sigmoid tanh lecun relu leaky softmax\n"
	  "logsoftmax. step is 1 for z >= 0 else 0 (its gradient is 0); lecun\n"
	  "is 1.7159 tanh(2z/3); leaky takes alpha= (default 0.01).\n"
	  "New weights are Glorot-uniform, biases 0, until you run init.\n"
	  "Examples:\n  add dense 200 sigmoid\n  add dropout 0.2\n  add relu\n"
	  "  add conv 8 5x5 stride=2 pad=2 relu\n"
	  "  add conv 8 kernel=5 padding=same\n  add maxpool 2\n"
	  "  add convt 16 4x4 stride=2 pad=1\n  add reshape 8x7x7" },
	{ "summary", "models", cmd_summary, 0, 1, NULL,
	  "summary [MODEL]",
	  "table of layers, output shapes and parameter counts",
	  "Prints one row per layer (its description, output shape and number\n"
	  "of parameters) and the total, like Keras's model.summary().\n"
	  "Example:\n  summary" },
	{ "init", "models", cmd_init, 1, 1,
	  "std value lo hi bias layer model",
	  "init KIND [std=S] [bias=B] [layer=N] [model=NAME]",
	  "initialise weights (and biases) of a model",
	  "Kinds: zeros, constant value=V, normal std=S, uniform lo=A hi=B,\n"
	  "xavier (Glorot uniform), xavier_normal, he (normal, 2/fan_in),\n"
	  "lecun (normal, 1/fan_in), maxfan (normal with variance\n"
	  "1/max(fan_in, fan_out)). Biases are set to bias= (default 0).\n"
	  "layer=N initialises only layer N (1-based).\n"
	  "Examples:\n  init normal std=0.1 bias=0\n  init he layer=2" },
	{ "loss", "models", cmd_loss, 1, 2, "model",
	  "loss NAME [naive]",
	  "choose the loss the current model trains with",
	  "Losses:\n"
	  "  mse           1/2 * sum of squared errors per sample, averaged\n"
	  "                over the batch (the 1/2 makes dL/dy = y - t)\n"
	  "  crossentropy  after softmax (or sigmoid), computed stably from\n"
	  "                the logits; a linear last layer is taken as logits\n"
	  "  crossentropy naive\n"
	  "                -sum t log(softmax) on the probabilities: gives\n"
	  "                inf/NaN once a probability underflows to 0\n"
	  "  bce           binary cross-entropy for sigmoid outputs\n"
	  "  nll           negative log-likelihood after logsoftmax\n"
	  "Without this command a model uses crossentropy after softmax, nll\n"
	  "after logsoftmax, and mse otherwise.\n"
	  "Example:\n  loss crossentropy" },
	{ "optim", "models", cmd_optim, 1, 2,
	  "lr momentum nesterov weight_decay beta1 beta2 rho eps model",
	  "optim KIND [lr=R] [momentum=M] [nesterov] [weight_decay=W]",
	  "choose the optimizer of the current model",
	  "Kinds and their options (PyTorch's formulas):\n"
	  "  sgd      lr= (0.01) momentum= nesterov weight_decay=\n"
	  "  adam     lr= (0.001) beta1= (0.9) beta2= (0.999) eps= (1e-8)\n"
	  "  rmsprop  lr= (0.001) rho= (0.99) eps= (1e-8)\n"
	  "  adagrad  lr= (0.01) eps= (1e-10)\n"
	  "weight_decay adds W * w to the gradient of every weight (not the\n"
	  "biases). Choosing an optimizer resets its state.\n"
	  "Examples:\n  optim sgd lr=0.5\n  optim adam lr=1e-3\n"
	  "  optim sgd lr=0.1 momentum=0.9 nesterov" },
	/* ---- data */
	{ "data", "data", cmd_data, 3, 16, "*",
	  "data NAME = load SOURCE | make KIND | TRANSFORM DATA ... | [[x..] ..]",
	  "load, generate, transform or type a dataset and name it",
	  "Every form makes a new dataset NAME (replacing one of that name);\n"
	  "the sets it reads are kept ('ls' lists them).\n"
	  "Loading:\n"
	  "  load mnist [path=DIR]          NAME.train and NAME.test\n"
	  "  load fashion-mnist [path=DIR]  NAME.train and NAME.test\n"
	  "  load idx IMAGES LABELS         IDX files (MNIST format, plain or .gz)\n"
	  "  load csv FILE [label=COL | targets=COL,...] [skip=COL,...]\n"
	  "                                 [header=0|1] [sep=C]\n"
	  "mnist and fashion-mnist are looked for in path=, $NNSH_DATA/SET,\n"
	  "$NNSH_DATA, then ~/.cache/nnsh/SET; fashion-mnist also in\n"
	  "/usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist).\n"
	  "Without MNIST files, load mnist uses the 10,000 bundled digits\n"
	  "(8,000 for NAME.train, 2,000 for NAME.test) and says so. Images stay\n"
	  "bytes in memory and are scaled to [0, 1] per batch.\n"
	  "CSV: numbers separated by commas (sep=; or sep=tab), \"quoted\" fields,\n"
	  "a header line when the first line is not numbers (or header=1).\n"
	  "The label column (label=NAME or a number from 1; default the last)\n"
	  "holds classes 0,1,2... or words (classes in sorted order);\n"
	  "targets=COLS takes float targets instead (regression); skip=COLS\n"
	  "leaves columns out; every other column is an input.\n"
	  "Generating (make KIND [n=N] [seed=S] ...; two-class sets have one 0/1\n"
	  "target, onehot makes two; 1-D sets are regression):\n"
	  "  xor        n=4: the corners of [0,1]^2, label a xor b; noise=\n"
	  "  moons      n=200 noise=0.1: two half circles in [-1,2]x[-0.5,1]\n"
	  "  circles    n=200 noise=0.05 factor=0.5: a ring inside a ring\n"
	  "  blobs      n=300 centers=3 (or [[x y]...]) std=1: centres drawn\n"
	  "             in [-10,10]^2\n"
	  "  spiral     n=300 classes=3 turns=1 noise=0.02: arms in [-1,1]^2\n"
	  "  gaussian   n=200 classes=2 dim=2 std=1 sep=1: clusters whose\n"
	  "             centres lie sep from 0, on a circle in the first 2 dims\n"
	  "  symmetry   bits=6: all 2^bits 0/1 vectors, label 1 for palindromes\n"
	  "             (8 of 64); n=N draws N, balanced=1 makes half symmetric\n"
	  "  descending n=300 bits=5 lo=0 hi=9: whole numbers, label 1 when\n"
	  "             strictly decreasing; a third are, a third decrease with\n"
	  "             one tie (label 0, on purpose), a third are random\n"
	  "  parity     bits=4: all 2^bits vectors, label 1 for an odd number\n"
	  "             of ones (balanced); n=N draws N\n"
	  "  encoder    bits=8 n=8: one-hot vectors, target = input (8-3-8)\n"
	  "  box        n=200 lo=-2 hi=2 h=1 delta=1 center=0 noise=0:\n"
	  "             y = h where |x - center| <= delta/2, else 0\n"
	  "  sine       n=200 lo=-pi hi=pi freq=1 noise=0: y = sin(freq x)\n"
	  "  poly       n=200 lo=-1 hi=1 coef=[0 0 1] noise=0: y = c0 + c1 x...\n"
	  "Classes are dealt in turn (counts differ by at most one) unless\n"
	  "said otherwise; 1-D sets take x evenly spaced over [lo, hi].\n"
	  "Transforms (seed= gives a command its own random numbers):\n"
	  "  split DATA FRACTION   NAME.train (that fraction of each class)\n"
	  "                        and NAME.val (the rest)\n"
	  "  take DATA N           the first N samples\n"
	  "  slice DATA FROM TO    samples FROM..TO-1\n"
	  "  shuffle DATA          a random order\n"
	  "  normalize DATA        mean 0, std 1 per feature (per=all: over all\n"
	  "                        values); from=TRAIN uses TRAIN's statistics\n"
	  "  scale DATA MIN MAX    min-max to [MIN, MAX] (per=, from= as above)\n"
	  "  noise DATA gaussian std=S | mask p=P | saltpepper p=P [clip]\n"
	  "                        corrupted inputs, same targets; clip keeps\n"
	  "                        values within the clean inputs' range\n"
	  "  onehot DATA           one-hot targets (two outputs for 0/1 sets)\n"
	  "  flatten DATA          inputs as one dimension\n"
	  "  reshape DATA SHAPE    inputs as SHAPE (1x28x28)\n"
	  "  decorrelate DATA      PCA whitening (up to 256 features); dims=K\n"
	  "                        keeps K components; eps= (1e-5); from=\n"
	  "  autoencode DATA       targets = inputs, for autoencoders\n"
	  "normalize, scale, noise, decorrelate and autoencode give float\n"
	  "inputs (4 bytes a value instead of 1).\n"
	  "Typed inline: data NAME = [[x..] [x..]] with targets=[[y..] [y..]]\n"
	  "(one 0/1 column or one-hot rows make classes, others are float\n"
	  "targets) or labels=[c c ..] (class numbers); without either, the\n"
	  "set only has inputs, for eval. A flat list gives 1-input samples.\n"
	  "Examples:\n  data digits = load mnist\n"
	  "  data m = make moons n=400 noise=0.2 seed=3\n"
	  "  data m = split m 0.8\n"
	  "  data mtest = normalize m.val from=m.train\n"
	  "  data iris = load csv iris.csv label=species\n"
	  "  data tiny = [[0 0] [0 1] [1 0] [1 1]] targets=[0 1 1 0]" },
	{ "info", "data", cmd_info, 1, 1, NULL,
	  "info DATA",
	  "count, shapes, value range and classes of a dataset",
	  "Prints the number of samples, the input shape and how it is stored,\n"
	  "the range, mean and standard deviation of the input values, and\n"
	  "either the classes with their counts (and names) or the range of\n"
	  "the float targets.\n"
	  "Example:\n  info digits.train" },
	/* ---- training */
	{ "train", "training", cmd_train, 1, 1,
	  "epochs iters batch val every shuffle model",
	  "train DATA [epochs=N | iters=N] [batch=B] [val=DATA] [every=K]",
	  "train the current model",
	  "Trains with the model's loss and optimizer for epochs= passes over\n"
	  "DATA (default 1) or iters= batches, batch= samples per step\n"
	  "(default 32; 1 is online learning; 0 is the whole set), shuffling\n"
	  "each epoch unless shuffle=0. val= evaluates on another dataset at\n"
	  "each point. One line is printed per epoch, or every K iterations\n"
	  "with every=K. Ctrl-C stops between batches, keeping the weights.\n"
	  "Example:\n  train digits.train epochs=5 batch=100 val=digits.test" },
	{ "evaluate", "training", cmd_evaluate, 1, 1, "batch model",
	  "evaluate DATA [batch=B] [model=NAME]",
	  "loss and accuracy of the current model on a dataset",
	  "Prints the loss, the accuracy and correct/total, without changing\n"
	  "the model (dropout is off).\n"
	  "Example:\n  evaluate digits.test" },
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
	  "show [MODEL[.LAYER[.PARAM[INDEX...]]]] | DATA [I | FROM:TO]",
	  "print parameters, or draw a dataset's samples",
	  "show MODEL prints every parameter of a small model (a table of\n"
	  "shapes and statistics for a large one); show MODEL.LAYER that\n"
	  "layer's; show MODEL.LAYER.PARAM one tensor. Small tensors are\n"
	  "printed in full, large ones as their first and last rows and\n"
	  "columns with their shape, min, max and mean.\n"
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
	  "  show net.1.W[0][2]\n  show digits.test 0\n  show digits.test 0:8\n"
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
	  "For every parameter tensor, compares the gradient from backprop\n"
	  "with central differences of the loss (steps 0.01 and 0.001, the\n"
	  "better kept) and prints the worst relative error |a-b|/(|a|+|b|)\n"
	  "(absolute below 0.001), where it is, and both values; then ok, or\n"
	  "an error when an error reaches 0.01. It uses the given example,\n"
	  "the first n= samples (default 4) of data=, or n= random inputs and\n"
	  "targets. Large tensors are checked at 100 random elements. quiet\n"
	  "leaves out the table (whose last digits are rounding noise).\n"
	  "Examples:\n  gradcheck net\n  gradcheck net data=tiny quiet" },
	/* ---- inspection */
	{ "filters", "inspection", cmd_filters, 1, 2, NULL,
	  "filters [MODEL] LAYER",
	  "draw the kernels of a conv layer as shaded blocks",
	  "Draws each filter of conv (or convt) layer LAYER (1-based, as in\n"
	  "summary) as a small image: its kernels for the first 8 input\n"
	  "channels side by side, black for the most negative weight of the\n"
	  "layer, grey for 0, white for the most positive, numbered. On a\n"
	  "colour terminal two pixels share a cell, so 40 filters of 5x5 fit\n"
	  "in 20 lines; otherwise one character per pixel (\" .:-=+*#%@\").\n"
	  "Example:\n  filters cnn 1" },
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
	  "Copies the layers, the weights, the loss and the optimizer settings\n"
	  "(not the optimizer's state or the history). Useful to compare two\n"
	  "trainings from the same start.\n"
	  "Example:\n  copy net net_adam" },
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
	/* ---- language */
	{ "let", "language", cmd_let, 0, 64, NULL,
	  "let NAME = VALUE",
	  "set a variable, used as $NAME",
	  "The value is the rest of the line: a number, a word, a list. $NAME\n"
	  "is replaced by it anywhere in later lines; names not set with let\n"
	  "are looked up in the environment ($HOME). let alone lists them.\n"
	  "Example:\n  let h = 200\n  add dense $h sigmoid" },
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
	{ "echo", "session", cmd_echo, 0, 64, "*",
	  "echo [WORDS...]",
	  "print the words",
	  "Prints its arguments separated by blanks (variables expanded).\n"
	  "Example:\n  echo \"hidden units:\" 200" },
	{ "help", "session", cmd_help, 0, 1, NULL,
	  "help [COMMAND]",
	  "list commands, or explain one",
	  "Without an argument lists the commands by topic; with one shows its\n"
	  "usage, details and an example. Commands may be abbreviated to a\n"
	  "unique prefix.\nExample:\n  help train" },
	{ "quit", "session", cmd_quit, 0, 0, NULL,
	  "quit",
	  "leave nnsh",
	  "Ends the session (Ctrl-D does the same at the prompt).\n"
	  "Example:\n  quit" },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const sh_cmd *sh_find_command(const char *name, char *err, size_t errlen)
{
	const sh_cmd *found = NULL;
	size_t len = strlen(name);
	int matches = 0;

	for (const sh_cmd *c = sh_commands; c->name; c++) {
		if (strcmp(c->name, name) == 0)
			return c;
		if (strncmp(c->name, name, len) == 0) {
			found = c;
			matches++;
		}
	}
	if (matches == 1)
		return found;
	if (matches > 1) {
		size_t used = (size_t)snprintf(err, errlen,
		        "'%s' is ambiguous:", name);

		for (const sh_cmd *c = sh_commands; c->name; c++)
			if (strncmp(c->name, name, len) == 0 && used < errlen)
				used += (size_t)snprintf(err + used,
				        errlen - used, " %s", c->name);
		return NULL;
	}
	snprintf(err, errlen, "unknown command '%s' (type 'help' for a list)",
	         name);
	return NULL;
}

/* Whether key is in the space-separated list. */
int sh_option_allowed(const char *list, const char *key)
{
	size_t len = strlen(key);

	if (list && strcmp(list, "*") == 0)
		return 1;
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ' ');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == len && strncmp(p, key, len) == 0)
			return 1;
		p = end ? end + 1 : p + n;
	}
	return 0;
}

static int check_line(sh_session *S, const sh_cmd *c, const sh_line *l)
{
	int npos = sh_npos(l);

	for (int i = 1; i < l->n; i++)
		if (l->v[i].key &&
		    !sh_option_allowed(c->options, l->v[i].key)) {
			if (!c->options)
				return sh_err(S, "%s takes no options "
				              "(usage: %s)", c->name, c->usage);
			return sh_err(S, "unknown option '%s' for %s "
			              "(options: %s)", l->v[i].key, c->name,
			              c->options);
		}
	if (npos < c->min_args || npos > c->max_args)
		return sh_err(S, "%s: %s arguments (usage: %s)", c->name,
		              npos < c->min_args ? "missing" : "too many",
		              c->usage);
	return 0;
}

int sh_exec_line(sh_session *S, const char *line)
{
	sh_line l;
	const sh_cmd *c;
	int rc;

	S->err[0] = '\0';
	if (sh_lex(line, &l, sh_var_lookup, S, S->err, sizeof S->err) < 0)
		return -1;
	if (l.n == 0)
		return 0;
	if (l.v[0].kind != SH_WORD || l.v[0].key) {
		sh_line_free(&l);
		return sh_err(S, "a line starts with a command name "
		              "(type 'help' for a list)");
	}
	c = sh_find_command(l.v[0].text, S->err, sizeof S->err);
	rc = c ? check_line(S, c, &l) : -1;
	if (rc == 0)
		rc = c->fn(S, &l);
	sh_line_free(&l);
	return rc;
}

static void print_help_one(FILE *f, const sh_cmd *c)
{
	fprintf(f, "usage: %s\n%s.\n\n%s\n", c->usage, c->summary, c->help);
}

/* Calls fn for each topic in the order topics first appear in the table. */
static void each_topic(void (*fn)(const char *topic, void *ud), void *ud)
{
	for (const sh_cmd *c = sh_commands; c->name; c++) {
		const sh_cmd *p = sh_commands;

		while (p < c && strcmp(p->topic, c->topic) != 0)
			p++;
		if (p == c)
			fn(c->topic, ud);
	}
}

static void help_topic(const char *topic, void *ud)
{
	sh_session *S = ud;

	sh_printf(S, "%s:\n", topic);
	for (const sh_cmd *c = sh_commands; c->name; c++)
		if (strcmp(c->topic, topic) == 0)
			sh_printf(S, "  %-10s %s\n", c->name, c->summary);
}

int cmd_help(sh_session *S, const sh_line *l)
{
	if (sh_npos(l) == 1) {
		const sh_cmd *c = sh_find_command(sh_pos(l, 0)->text, S->err,
		                                  sizeof S->err);

		if (!c)
			return -1;
		print_help_one(S->out, c);
		return 0;
	}
	each_topic(help_topic, S);
	sh_printf(S, "\nType 'help COMMAND' for details and an example.\n");
	return 0;
}

static void md_topic(const char *topic, void *ud)
{
	FILE *f = ud;

	fprintf(f, "\n## %s\n", topic);
	for (const sh_cmd *c = sh_commands; c->name; c++)
		if (strcmp(c->topic, topic) == 0)
			fprintf(f, "\n### %s\n\n`%s`\n\n%s.\n\n```\n%s\n```\n",
			        c->name, c->usage, c->summary, c->help);
}

void sh_print_commands_md(FILE *f)
{
	fprintf(f, "# nnsh commands\n\n"
	        "Generated from the command table (src/commands.c) by\n"
	        "`nnsh --commands-md`; a test fails when this file and the\n"
	        "table differ.\n");
	each_topic(md_topic, f);
}

#pragma once
// Keras-like model builders: functions that read their knobs from a trial's config and return
// a torch::nn::Sequential that maps a batch [N, ...input_shape] to class logits [N, classes].
// The config's "model" names the builder (default "mlp").
//
// mlp (input of any shape; flattened first):
//   layers      hidden layers, 0..16 (default 1; 0 is a linear classifier)
//   units       width of every hidden layer, 1..65536 (default 128)
//   units_<i>   width of hidden layer i (0-based), overrides units for that layer
//   activation  relu | tanh | elu | gelu | selu | leaky_relu | sigmoid (default relu)
//   activation_<i>  activation of hidden layer i, overrides activation for that layer
//   dropout     after each hidden activation, [0, 0.95] (default 0; 0 adds no module)
//   dropout_<i> dropout of hidden layer i, overrides dropout for that layer
//   batch_norm  BatchNorm1d after each hidden linear layer (default false)
//   Layer i: Linear -> [BatchNorm1d] -> activation_<i> -> [Dropout(dropout_<i>)]; then Linear
//   to the classes.
//
// cnn (input [C, H, W], or [H, W] taken as one channel, or [F] a square image of F pixels):
//   blocks       convolution blocks, 1..8 (default 2)
//   filters      channels of every block, 1..4096 (default 32)
//   filters_<i>  channels of block i (0-based), overrides filters
//   kernel_size  odd, 1..15 (default 3); "same" padding
//   pool         max | avg | none: a 2x2 pooling at the end of each block (default max)
//   batch_norm   BatchNorm2d after each convolution (default false)
//   activation   as for mlp (default relu), also used by the dense head
//   dense_units  width of the dense hidden layer, 0..65536 (default 128; 0: no hidden layer)
//   dropout      before the last layer, [0, 0.95] (default 0)
//   Block i: Conv2d -> [BatchNorm2d] -> activation -> [pool]; then Flatten ->
//   [Linear(dense_units) -> activation -> Dropout] -> Linear to the classes.
#include <torch/torch.h>

#include <array>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/hparams.h"

namespace tune {

using InputShape = std::vector<int64_t>;
using ModelBuilder = std::function<torch::nn::Sequential(
    const Hyperparameters& hp, const InputShape& input_shape, int64_t num_classes)>;

// Builders by name. Library users can start from builtin_models() and add their own.
class ModelRegistry {
 public:
  void add(const std::string& name, ModelBuilder builder);
  bool contains(const std::string& name) const { return builders_.count(name) > 0; }
  std::vector<std::string> names() const;
  // Builds the model the config's "model" names (default "mlp"); an unknown name throws
  // ConfigError listing the registered ones.
  torch::nn::Sequential build(const Hyperparameters& hp, const InputShape& input_shape,
                              int64_t num_classes) const;

 private:
  std::map<std::string, ModelBuilder> builders_;
};

// mlp and cnn.
ModelRegistry builtin_models();

torch::nn::Sequential build_mlp(const Hyperparameters& hp, const InputShape& input_shape,
                                int64_t num_classes);

// What an mlp config asks for, read and checked once: build_mlp builds it, and fused groups
// (train/fused/) stack several of them.
struct MlpSpec {
  int64_t inputs = 0;                    // the flattened input size
  std::vector<int64_t> units;            // one width per hidden layer
  std::vector<std::string> activations;  // one per hidden layer
  std::vector<double> dropouts;          // one per hidden layer (0: no dropout module)
  bool batch_norm = false;
};
MlpSpec mlp_spec(const Hyperparameters& hp, const InputShape& input_shape);
torch::nn::Sequential build_mlp_from(const MlpSpec& spec, int64_t num_classes);
torch::nn::Sequential build_cnn(const Hyperparameters& hp, const InputShape& input_shape,
                                int64_t num_classes);

// What a cnn config asks for, read and checked once: build_cnn builds it, and fused groups
// (train/fused/) stack several of them.
struct CnnSpec {
  std::array<int64_t, 3> image{};  // [C, H, W]
  bool flat_input = false;         // examples are not [C, H, W]: unflattened first
  std::vector<int64_t> filters;    // one per block
  int64_t kernel = 3;
  std::string pool = "max";  // max | avg | none
  bool batch_norm = false;
  std::string activation = "relu";
  int64_t dense = 128;  // 0: no hidden dense layer
  double dropout = 0;
  // [H, W] after the blocks' pooling.
  std::array<int64_t, 2> pooled_size() const;
};
CnnSpec cnn_spec(const Hyperparameters& hp, const InputShape& input_shape);
torch::nn::Sequential build_cnn_from(const CnnSpec& spec, int64_t num_classes);

// The activation module for `name` (one of activation_names()).
torch::nn::AnyModule make_activation(const std::string& name);
const std::vector<std::string>& activation_names();

// Number of trainable values in `model`.
int64_t count_parameters(const torch::nn::Module& model);

}  // namespace tune

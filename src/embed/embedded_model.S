/* Links the model files into the binary (ISARTOR_EMBED_MODEL=ON). The paths come from
   -DISARTOR_MODEL_{CONFIG,VOCAB,WEIGHTS}_PATH set by CMake; .incbin keeps the build fast
   (no 90 MB C array to compile). 64-byte alignment keeps the float tensors aligned. */
#define STR2(x) #x
#define STR(x) STR2(x)

    .section .rodata.isartor_model, "a", @progbits
    .balign 64
    .globl isartor_model_config_begin
isartor_model_config_begin:
    .incbin STR(ISARTOR_MODEL_CONFIG_PATH)
    .globl isartor_model_config_end
isartor_model_config_end:
    .balign 64
    .globl isartor_model_vocab_begin
isartor_model_vocab_begin:
    .incbin STR(ISARTOR_MODEL_VOCAB_PATH)
    .globl isartor_model_vocab_end
isartor_model_vocab_end:
    .balign 64
    .globl isartor_model_weights_begin
isartor_model_weights_begin:
    .incbin STR(ISARTOR_MODEL_WEIGHTS_PATH)
    .globl isartor_model_weights_end
isartor_model_weights_end:
    .byte 0

    .section .note.GNU-stack, "", @progbits

"""The EU withdrawal function (issue 15): "withdraw from contract here", for every order while
the right lasts. `period` decides (pure), `withdrawing` is the use case, `acknowledgement`
writes the receipt the consumer gets by e-mail and on screen."""

"""Detection-as-code toolkit for Elastic Security.

Public entry points live in the sub-packages: ``dac.rules`` (load rules),
``dac.eql`` (parse EQL), ``dac.engine`` (evaluate EQL), ``dac.validation``
(check rules), ``dac.testing`` (run rule test cases).
"""

__version__ = "0.1.0"
